//! Ward linkage by the nearest-neighbour chain over cluster centroids: O(n·d) memory.
//!
//! Ward's distance between clusters A and B is `sqrt(2·|A|·|B| / (|A| + |B|)) · ‖c_A − c_B‖`
//! (scipy's heights), which a merged cluster's centroid and size determine. The chain follows
//! nearest neighbours from the lowest-numbered cluster until two clusters are each other's
//! nearest, and merges them; Ward's distance is reducible, so this yields the same merges as
//! always joining the globally closest pair (Müllner 2011, section 3.2), in O(n²) time.
//!
//! Each search scans the live centroids, stored one feature per column so the scan runs over
//! contiguous memory and vectorises; large scans are split over the threads in fixed blocks, and
//! the minimum (distance, then lowest cluster slot) does not depend on how they are split. Ties
//! are decided as scipy's `nn_chain` decides them: the chain's previous element first, then the
//! lowest slot.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;

use super::{block_min, RawMerge};
use crate::simd::{self, Kernel};

/// Live clusters per block of a scan.
const BLOCK: usize = 256;
/// Live clusters above which a scan is split with the helper thread.
const PAR_MIN: usize = 4 * 1024;

/// Live clusters, compacted: `cols[f * cap + i]` is feature f of the i-th live cluster.
struct Live {
    d: usize,
    cap: usize,
    m: usize,
    cols: Vec<f64>,
    size: Vec<f64>,
    /// Slot (row index standing for the cluster) of each live entry.
    slot: Vec<u32>,
    /// Entry of each slot (valid for live slots only).
    entry: Vec<u32>,
}

impl Live {
    fn new(data: &[f64], d: usize) -> Live {
        let n = data.len() / d;
        let mut cols = vec![0.0; d * n];
        for (i, row) in data.chunks_exact(d).enumerate() {
            for f in 0..d {
                cols[f * n + i] = row[f];
            }
        }
        Live {
            d,
            cap: n,
            m: n,
            cols,
            size: vec![1.0; n],
            slot: (0..n as u32).collect(),
            entry: (0..n as u32).collect(),
        }
    }

    fn centroid(&self, e: usize) -> Vec<f64> {
        (0..self.d).map(|f| self.cols[f * self.cap + e]).collect()
    }

    /// Ward's criterion from cluster `q` (centroid, size) to entry `e`, up to the factor
    /// `2·|q|` shared by one search: `‖c_q − c_e‖² · |e| / (|e| + |q|)`.
    fn crit(&self, q: &[f64], sq: f64, e: usize) -> f64 {
        let mut acc = 0.0;
        for (f, &qf) in q.iter().enumerate() {
            let v = self.cols[f * self.cap + e] - qf;
            acc += v * v;
        }
        acc * self.size[e] / (self.size[e] + sq)
    }

    /// The nearest live entry to `q` other than entry `skip`: `(criterion, slot)`, lowest slot
    /// among equals, over entries `lo..hi`.
    fn scan(&self, q: &[f64], sq: f64, skip: usize, lo: usize, hi: usize) -> (f64, u32) {
        simd::run(Scan {
            live: self,
            q,
            sq,
            skip,
            range: (lo, hi),
        })
    }

    #[inline(always)]
    fn scan_lanes(&self, q: &[f64], sq: f64, skip: usize, lo: usize, hi: usize) -> (f64, u32) {
        let mut best = (f64::INFINITY, u32::MAX);
        let mut buf = [0.0f64; BLOCK];
        let mut start = lo;
        while start < hi {
            let end = (start + BLOCK).min(hi);
            let v = &mut buf[..end - start];
            let col = &self.cols[start..end];
            for (a, &c) in v.iter_mut().zip(col) {
                let t = c - q[0];
                *a = t * t;
            }
            for (f, &qf) in q.iter().enumerate().skip(1) {
                let col = &self.cols[f * self.cap + start..f * self.cap + end];
                for (a, &c) in v.iter_mut().zip(col) {
                    let t = c - qf;
                    *a += t * t;
                }
            }
            for (a, &s) in v.iter_mut().zip(&self.size[start..end]) {
                *a = *a * s / (s + sq);
            }
            if (start..end).contains(&skip) {
                v[skip - start] = f64::INFINITY;
            }
            // The block's minimum, then its lowest slot among the entries that reach it.
            let m = block_min(v);
            if m <= best.0 {
                for (j, &a) in v.iter().enumerate() {
                    if a == m {
                        let slot = self.slot[start + j];
                        if m < best.0 || slot < best.1 {
                            best = (m, slot);
                        }
                    }
                }
            }
            start = end;
        }
        best
    }

    /// Drops entry `e`, moving the last entry into its place.
    fn remove(&mut self, e: usize) {
        let last = self.m - 1;
        if e != last {
            for f in 0..self.d {
                self.cols[f * self.cap + e] = self.cols[f * self.cap + last];
            }
            self.size[e] = self.size[last];
            self.slot[e] = self.slot[last];
            self.entry[self.slot[e] as usize] = e as u32;
        }
        self.m -= 1;
    }
}

/// One scan, for [`simd::run`].
struct Scan<'a> {
    live: &'a Live,
    q: &'a [f64],
    sq: f64,
    skip: usize,
    range: (usize, usize),
}

impl Kernel for Scan<'_> {
    type Output = (f64, u32);
    #[inline(always)]
    fn run(self) -> (f64, u32) {
        self.live
            .scan_lanes(self.q, self.sq, self.skip, self.range.0, self.range.1)
    }
}

fn better(a: (f64, u32), b: (f64, u32)) -> (f64, u32) {
    if b.0 < a.0 || (b.0 == a.0 && b.1 < a.1) {
        b
    } else {
        a
    }
}

/// A scan's upper half, handed to the helper thread.
struct Job {
    live: *const Live,
    q: Vec<f64>,
    sq: f64,
    skip: usize,
    lo: usize,
    hi: usize,
}

// SAFETY: the pointer is only dereferenced by the helper between a job's posting and its
// completion, while the owning thread waits without touching `Live` (see `Helper::nearest`);
// the owner does not return from `nearest` before the helper is done with it or has died.
unsafe impl Send for Job {}

/// A second thread that stays awake for the whole linkage and takes half of every long scan.
/// A scan lasts tens of microseconds, less than it takes to wake a sleeping pool thread, so the
/// helper spins between jobs instead of sleeping. Each half's minimum is exact and the halves
/// are combined by the same (criterion, slot) order, so the result is the same with or
/// without it.
///
/// Both sides hold guards that cannot be skipped: the owner's [`StopOnDrop`] stops the helper on
/// every exit from the linkage, a panic included, so the thread scope always ends; the helper's
/// [`FailOnDrop`] marks it dead if its scan panics, so the owner stops waiting and panics too
/// (the scope then re-raises the helper's panic).
struct Helper {
    job: Mutex<Option<Job>>,
    result: Mutex<(f64, u32)>,
    posted: AtomicU64,
    done: AtomicU64,
    stop: AtomicBool,
    dead: AtomicBool,
    #[cfg(test)]
    fault: tests::Fault,
}

/// Tells the helper to stop when dropped: at the end of the linkage, or while its owner unwinds.
struct StopOnDrop<'a>(&'a Helper);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        self.0.stop.store(true, Ordering::Release);
    }
}

/// Marks the helper dead when dropped while its thread unwinds from a panic.
struct FailOnDrop<'a>(&'a Helper);

impl Drop for FailOnDrop<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.dead.store(true, Ordering::Release);
        }
    }
}

impl Helper {
    fn new() -> Helper {
        Helper {
            job: Mutex::new(None),
            result: Mutex::new((f64::INFINITY, u32::MAX)),
            posted: AtomicU64::new(0),
            done: AtomicU64::new(0),
            stop: AtomicBool::new(false),
            dead: AtomicBool::new(false),
            #[cfg(test)]
            fault: tests::Fault::None,
        }
    }

    /// The helper thread's loop: wait for a job, scan, publish, until told to stop.
    fn serve(&self) {
        let _dead_on_panic = FailOnDrop(self);
        let mut seen = 0;
        loop {
            let mut spins = 0u32;
            while self.posted.load(Ordering::Acquire) == seen {
                if self.stop.load(Ordering::Acquire) {
                    return;
                }
                spin(&mut spins);
            }
            seen += 1;
            let job = self.job.lock().expect("helper job lock").take().expect("a posted job");
            // SAFETY: see `Job`: the owner waits for `done` (or for this thread's death) before
            // it touches `Live` again, and `Live` outlives the thread scope.
            let live = unsafe { &*job.live };
            #[cfg(test)]
            self.fault.check(tests::Fault::InHelper);
            let r = live.scan(&job.q, job.sq, job.skip, job.lo, job.hi);
            *self.result.lock().expect("helper result lock") = r;
            self.done.store(seen, Ordering::Release);
        }
    }

    /// The nearest entry to `q`, the upper half of the entries scanned by the helper.
    fn nearest(&self, live: &Live, q: &[f64], sq: f64, skip: usize) -> (f64, u32) {
        let mid = live.m / 2;
        *self.job.lock().expect("helper job lock") = Some(Job {
            live,
            q: q.to_vec(),
            sq,
            skip,
            lo: mid,
            hi: live.m,
        });
        let ticket = self.posted.fetch_add(1, Ordering::AcqRel) + 1;
        // Until the helper is done with the job, `live` must stay untouched even if this side
        // panics: the guard waits for the helper before the unwinding moves on.
        let wait = WaitForHelper { helper: self, ticket };
        #[cfg(test)]
        self.fault.check(tests::Fault::InOwner);
        let mine = live.scan(q, sq, skip, 0, mid);
        drop(wait);
        better(mine, *self.result.lock().expect("helper result lock"))
    }
}

/// Waits, when dropped, until the helper has finished job `ticket` or died: the owner may not
/// touch (or free) the `Live` the job points to before.
struct WaitForHelper<'a> {
    helper: &'a Helper,
    ticket: u64,
}

impl Drop for WaitForHelper<'_> {
    fn drop(&mut self) {
        let mut spins = 0u32;
        while self.helper.done.load(Ordering::Acquire) != self.ticket {
            if self.helper.dead.load(Ordering::Acquire) {
                if !std::thread::panicking() {
                    panic!("the Ward linkage's helper thread panicked");
                }
                return;
            }
            spin(&mut spins);
        }
    }
}

/// Busy-waits briefly, then yields the core, so a helper never starves the thread it serves.
fn spin(spins: &mut u32) {
    *spins += 1;
    if *spins < 1 << 12 {
        std::hint::spin_loop();
    } else {
        std::thread::yield_now();
    }
}

/// Ward linkage merges (slots, Ward heights) in the order the chain finds them.
pub(super) fn ward(data: &[f64], d: usize) -> Vec<RawMerge> {
    let n = data.len() / d;
    let two_cores = std::thread::available_parallelism().is_ok_and(|p| p.get() >= 2);
    if n <= PAR_MIN || rayon::current_num_threads() < 2 || !two_cores {
        return ward_with(data, d, None);
    }
    ward_helped(data, d, &Helper::new())
}

/// Ward linkage with `helper` taking half of every long scan.
fn ward_helped(data: &[f64], d: usize, helper: &Helper) -> Vec<RawMerge> {
    std::thread::scope(|scope| {
        scope.spawn(|| helper.serve());
        let _stop = StopOnDrop(helper);
        ward_with(data, d, Some(helper))
    })
}

fn ward_with(data: &[f64], d: usize, helper: Option<&Helper>) -> Vec<RawMerge> {
    let n = data.len() / d;
    let mut live = Live::new(data, d);
    let mut alive = vec![true; n];
    let mut lowest = 0usize;
    let mut chain: Vec<u32> = Vec::with_capacity(n);
    let mut merges = Vec::with_capacity(n - 1);
    for _ in 0..n - 1 {
        // A stop request leaves the merges unfinished; the caller drops them.
        if crate::interrupt::requested() {
            break;
        }
        if chain.is_empty() {
            while !alive[lowest] {
                lowest += 1;
            }
            chain.push(lowest as u32);
        }
        let (x, y, crit, sx) = loop {
            let x = *chain.last().expect("the chain is never empty here");
            let ex = live.entry[x as usize] as usize;
            let cx = live.centroid(ex);
            let sx = live.size[ex];
            let (mut v, mut y) = match helper {
                Some(h) if live.m >= PAR_MIN => h.nearest(&live, &cx, sx, ex),
                _ => live.scan(&cx, sx, ex, 0, live.m),
            };
            if chain.len() > 1 {
                let prev = chain[chain.len() - 2];
                let vp = live.crit(&cx, sx, live.entry[prev as usize] as usize);
                // scipy keeps the previous element unless another is strictly nearer.
                if vp <= v {
                    (v, y) = (vp, prev);
                }
                if y == prev {
                    chain.truncate(chain.len() - 2);
                    break (x, y, v, sx);
                }
            }
            chain.push(y);
        };
        let (x, y) = (x.min(y), x.max(y));
        let (ex, ey) = (live.entry[x as usize] as usize, live.entry[y as usize] as usize);
        let (nx, ny) = (live.size[ex], live.size[ey]);
        let total = nx + ny;
        for f in 0..d {
            let (a, b) = (live.cols[f * live.cap + ex], live.cols[f * live.cap + ey]);
            live.cols[f * live.cap + ey] = (nx * a + ny * b) / total;
        }
        live.size[ey] = total;
        live.remove(ex);
        alive[x as usize] = false;
        merges.push(RawMerge {
            x,
            y,
            height: (2.0 * sx * crit).sqrt(),
        });
    }
    merges
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Where a test makes the linkage panic.
    #[derive(Clone, Copy, Debug, PartialEq)]
    pub(super) enum Fault {
        None,
        /// In the owner's half of a split scan.
        InOwner,
        /// In the helper's half.
        InHelper,
    }

    impl Fault {
        pub(super) fn check(self, here: Fault) {
            if self == here {
                panic!("injected fault: {here:?}");
            }
        }
    }

    fn rows(n: usize) -> Vec<f64> {
        let mut rng = crate::rng::Rng::new(3);
        (0..2 * n).map(|_| rng.uniform()).collect()
    }

    /// Runs the linkage with a fault on a thread of its own and returns whether it panicked;
    /// fails (instead of hanging) when the linkage does not finish.
    fn finishes_with(fault: Fault) -> bool {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let data = rows(PAR_MIN + 500);
            let helper = Helper { fault, ..Helper::new() };
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| ward_helped(&data, 2, &helper)));
            let _ = tx.send(r.is_err());
        });
        rx.recv_timeout(std::time::Duration::from_secs(60))
            .expect("the linkage neither finished nor panicked within 60 s: a thread was left waiting")
    }

    #[test]
    fn a_panic_on_either_side_ends_the_linkage() {
        assert!(finishes_with(Fault::InOwner));
        assert!(finishes_with(Fault::InHelper));
    }

    #[test]
    fn the_helper_changes_nothing() {
        let data = rows(PAR_MIN + 500);
        assert!(!finishes_with(Fault::None));
        let with = ward_helped(&data, 2, &Helper::new());
        let without = ward_with(&data, 2, None);
        assert!(with
            .iter()
            .zip(&without)
            .all(|(a, b)| (a.x, a.y, a.height) == (b.x, b.y, b.height)));
    }
}
