//! The byte form of mergeable states (log aggregates, quantile sketches, K-Means statistics):
//! LEB128 varints for counts, zigzag varints for signed integers, little-endian IEEE 754 for
//! floats. Compact (a count below 128 is one byte) and the same on every platform, so partial
//! states can cross processes and machines, as they do between Spark executors.

use crate::error::{Error, Result};

pub(crate) fn put_u64(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

pub(crate) fn put_i64(out: &mut Vec<u8>, v: i64) {
    put_u64(out, ((v << 1) ^ (v >> 63)) as u64);
}

pub(crate) fn put_f64(out: &mut Vec<u8>, v: f64) {
    out.extend_from_slice(&v.to_le_bytes());
}

pub(crate) fn put_str(out: &mut Vec<u8>, s: &str) {
    put_u64(out, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

/// Reads what the `put_` functions wrote, failing with [`Error::State`] on truncated or
/// malformed bytes rather than trusting them.
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    what: &'static str,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a [u8], what: &'static str) -> Self {
        Reader { buf, what }
    }

    pub(crate) fn bad(&self, detail: impl Into<String>) -> Error {
        Error::State {
            what: self.what,
            detail: detail.into(),
        }
    }

    /// Checks the leading magic bytes and version.
    pub(crate) fn header(&mut self, magic: &[u8; 4], version: u8) -> Result<()> {
        if self.buf.len() < 5 || &self.buf[..4] != magic {
            return Err(self.bad(format!(
                "does not start with {:?}: not a telecluster {} state",
                String::from_utf8_lossy(magic),
                self.what
            )));
        }
        if self.buf[4] != version {
            return Err(self.bad(format!(
                "format version {} (this build reads version {version})",
                self.buf[4]
            )));
        }
        self.buf = &self.buf[5..];
        Ok(())
    }

    pub(crate) fn u64(&mut self) -> Result<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let Some((&b, rest)) = self.buf.split_first() else {
                return Err(self.bad("ends inside a number"));
            };
            self.buf = rest;
            if shift == 63 && b > 1 {
                return Err(self.bad("a number overflows 64 bits"));
            }
            v |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return Ok(v);
            }
        }
        Err(self.bad("a number overflows 64 bits"))
    }

    /// A count that sizes an allocation: at most one element per remaining byte.
    pub(crate) fn len(&mut self) -> Result<usize> {
        let n = self.u64()?;
        if n > self.buf.len() as u64 {
            return Err(self.bad(format!("claims {n} items in {} bytes", self.buf.len())));
        }
        Ok(n as usize)
    }

    pub(crate) fn i64(&mut self) -> Result<i64> {
        let u = self.u64()?;
        Ok(((u >> 1) as i64) ^ -((u & 1) as i64))
    }

    pub(crate) fn f64(&mut self) -> Result<f64> {
        if self.buf.len() < 8 {
            return Err(self.bad("ends inside a number"));
        }
        let (head, rest) = self.buf.split_at(8);
        self.buf = rest;
        Ok(f64::from_le_bytes(head.try_into().expect("8 bytes")))
    }

    pub(crate) fn str(&mut self) -> Result<&'a str> {
        let n = self.len()?;
        let (head, rest) = self.buf.split_at(n);
        self.buf = rest;
        std::str::from_utf8(head).map_err(|_| self.bad("a name is not UTF-8"))
    }

    pub(crate) fn u8(&mut self) -> Result<u8> {
        let Some((&b, rest)) = self.buf.split_first() else {
            return Err(self.bad("ends early"));
        };
        self.buf = rest;
        Ok(b)
    }

    pub(crate) fn end(&self) -> Result<()> {
        if self.buf.is_empty() {
            Ok(())
        } else {
            Err(self.bad(format!("{} bytes after the end", self.buf.len())))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn numbers_read_back(u in any::<u64>(), i in any::<i64>(), f in any::<f64>(), s in ".{0,20}") {
            let mut b = Vec::new();
            put_u64(&mut b, u);
            put_i64(&mut b, i);
            put_f64(&mut b, f);
            put_str(&mut b, &s);
            let mut r = Reader::new(&b, "test");
            prop_assert_eq!(r.u64().unwrap(), u);
            prop_assert_eq!(r.i64().unwrap(), i);
            prop_assert_eq!(r.f64().unwrap().to_bits(), f.to_bits());
            prop_assert_eq!(r.str().unwrap(), s.as_str());
            prop_assert!(r.end().is_ok());
        }

        #[test]
        fn any_bytes_are_an_error_or_a_value(b in prop::collection::vec(any::<u8>(), 0..40)) {
            let mut r = Reader::new(&b, "test");
            let _ = r.u64().and_then(|_| r.str()).and_then(|_| r.f64());
        }
    }

    #[test]
    fn truncated_and_overlong_numbers_are_refused() {
        assert!(Reader::new(&[0x80], "t").u64().is_err());
        assert!(Reader::new(&[0xff; 11], "t").u64().is_err());
        assert!(Reader::new(&[5, b'a'], "t").str().is_err());
    }
}
