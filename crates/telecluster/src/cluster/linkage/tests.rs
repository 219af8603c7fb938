use crate::Matrix;
use proptest::prelude::*;

use super::*;
use crate::rng::Rng;

fn fit(x: &Matrix, method: Method) -> Dendrogram {
    LinkageParams::new(method).check().unwrap().fit(x).unwrap()
}

fn random(n: usize, d: usize, seed: u64) -> Matrix {
    let mut rng = Rng::new(seed);
    Matrix::new((0..n * d).map(|_| rng.normal()).collect(), n, d).unwrap()
}

fn assert_same(got: &[Merge], want: &[Merge], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert_eq!((g.a, g.b, g.size), (w.a, w.b, w.size), "{what}: merge {i}");
        assert!(
            (g.height - w.height).abs() <= 1e-9 * w.height.max(1.0),
            "{what}: merge {i}: {} vs {}",
            g.height,
            w.height
        );
    }
}

#[test]
fn vector_and_matrix_ward_agree() {
    let x = random(300, 3, 9);
    let vector = fit(&x, Method::Ward);
    let raw = matrix::linkage(x.as_slice(), 3, Method::Ward).unwrap();
    let matrix = Dendrogram::from_raw(300, Method::Ward, raw);
    assert_same(vector.merges(), matrix.merges(), "ward");
}

#[test]
fn boruvka_and_prim_build_spanning_trees_of_the_same_weights() {
    // Every minimum spanning tree has the same multiset of edge lengths; with equal lengths
    // the trees themselves may differ, so the lengths are compared, and the edges form a tree.
    for (n, d) in [(2000, 2), (700, 4), (500, 1)] {
        let x = random(n, d, n as u64);
        let a = mst::boruvka(x.as_slice(), d);
        let b = mst::prim(x.as_slice(), d);
        let lengths = |e: &[RawMerge]| {
            let mut h: Vec<u64> = e.iter().map(|m| m.height.to_bits()).collect();
            h.sort_unstable();
            h
        };
        assert_eq!(lengths(&a), lengths(&b), "n={n} d={d}");
        for edges in [&a, &b] {
            let t = Dendrogram::from_raw(n, Method::Single, edges.clone());
            assert_eq!(t.merges().last().unwrap().size, n);
        }
    }
}

#[test]
fn tiny_and_degenerate_inputs() {
    let one = Matrix::from_rows(&[[1.0, 2.0]]).unwrap();
    for method in Method::ALL {
        let t = fit(&one, method);
        assert!(t.merges().is_empty());
        assert_eq!(t.leaves(), vec![0]);
        assert_eq!(t.cut(Cut::MaxClusters(3)).unwrap(), vec![0]);
    }
    // Identical rows: every height is 0, nothing panics, the tree is complete.
    let same = Matrix::new(vec![3.0; 40], 20, 2).unwrap();
    for method in Method::ALL {
        let t = fit(&same, method);
        assert_eq!(t.merges().len(), 19, "{method}");
        assert!(t.merges().iter().all(|m| m.height == 0.0), "{method}");
        assert_eq!(t.merges().last().unwrap().size, 20);
        assert_eq!(t.cut(Cut::Height(0.0)).unwrap(), vec![0; 20], "{method}");
        assert_eq!(
            t.cut(Cut::MaxClusters(4)).unwrap(),
            vec![0; 20],
            "{method}: ties give fewer clusters"
        );
        assert!(t.cophenetic_correlation(&same).unwrap().is_nan());
    }
    let empty = Matrix::new(Vec::new(), 0, 2).unwrap();
    assert!(matches!(
        LinkageParams::new(Method::Ward).check().unwrap().fit(&empty),
        Err(Error::InvalidParam { .. })
    ));
}

#[test]
fn the_matrix_methods_refuse_past_the_memory_limit() {
    let x = random(2000, 2, 1);
    let p = LinkageParams::new(Method::Average)
        .max_memory(Some(1 << 20))
        .check()
        .unwrap();
    match p.fit(&x) {
        Err(Error::TooMuchMemory { needed, limit, n, .. }) => {
            assert_eq!((needed, limit, n), (condensed_bytes(2000), 1 << 20, 2000));
            assert_eq!(needed, 2000 * 1999 / 2 * 8);
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    // Ward and single need no matrix: the same limit lets them run.
    let p = LinkageParams::new(Method::Ward)
        .max_memory(Some(1 << 20))
        .check()
        .unwrap();
    assert_eq!(p.fit(&x).unwrap().merges().len(), 1999);
    assert!(LinkageParams::new(Method::Ward).max_memory(Some(0)).check().is_err());
}

#[test]
fn one_and_two_threads_give_the_same_tree() {
    // Large enough for the parallel scans and updates to split.
    let x = random(40_000, 2, 5);
    let run = |threads: usize, method: Method| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.install(|| fit(&x, method))
    };
    for method in [Method::Ward, Method::Single] {
        assert_eq!(run(1, method), run(2, method), "{method}");
    }
    let small = random(5000, 2, 6);
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.install(|| fit(&small, Method::Average))
    };
    assert_eq!(run(1), run(2));
}

#[test]
fn method_names_round_trip() {
    for m in Method::ALL {
        assert_eq!(m.name().parse::<Method>().unwrap(), m);
    }
    assert!("upgma".parse::<Method>().is_err());
}

#[test]
fn from_merges_checks_the_tree() {
    let t = fit(&random(10, 2, 3), Method::Complete);
    let again = Dendrogram::from_merges(10, Method::Complete, t.merges().to_vec()).unwrap();
    assert_eq!(again, t);
    let mut bad = t.merges().to_vec();
    bad[3].size += 1;
    assert!(Dendrogram::from_merges(10, Method::Complete, bad).is_err());
    let mut bad = t.merges().to_vec();
    bad[5].b = 10 + 7;
    assert!(Dendrogram::from_merges(10, Method::Complete, bad).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn merges_are_a_tree_with_sizes_that_add_up_and_monotone_heights(
        seed in 0u64..1000, n in 2usize..60, d in 1usize..4, m in 0usize..7
    ) {
        let method = Method::ALL[m];
        let x = random(n, d, seed);
        let t = fit(&x, method);
        prop_assert_eq!(t.merges().len(), n - 1);
        let mut used = vec![false; 2 * n - 1];
        for (i, mg) in t.merges().iter().enumerate() {
            prop_assert!(mg.a < mg.b && mg.b < n + i);
            prop_assert!(!used[mg.a] && !used[mg.b]);
            used[mg.a] = true;
            used[mg.b] = true;
            prop_assert_eq!(mg.size, t.size_of(mg.a) + t.size_of(mg.b));
        }
        prop_assert_eq!(t.merges().last().unwrap().size, n);
        if !method.can_invert() {
            prop_assert!(t.is_monotonic());
        }
        let mut leaves = t.leaves();
        leaves.sort_unstable();
        prop_assert_eq!(leaves, (0..n).collect::<Vec<_>>());
        // A cut into k clusters gives k clusters (distinct heights: no ties here).
        let k = 1 + seed as usize % n;
        let labels = t.cut(Cut::MaxClusters(k)).unwrap();
        let distinct: std::collections::BTreeSet<u32> = labels.iter().copied().collect();
        if t.is_monotonic() {
            prop_assert_eq!(distinct.len(), k);
        }
        prop_assert_eq!(distinct.into_iter().collect::<Vec<_>>(), (0..labels.iter().max().unwrap() + 1).collect::<Vec<_>>());
    }
}
