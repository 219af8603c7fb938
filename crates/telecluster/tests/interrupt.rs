//! The stop flag is process-wide, so its test has a process (this test binary) to itself: in
//! the library's unit tests it would stop the fits of tests running beside it.

use telecluster::cluster::linkage::{LinkageParams, Method};
use telecluster::cluster::{DbscanParams, KMeansParams};
use telecluster::select::elbow::{sweep, ElbowParams};
use telecluster::{interrupt, Error, Matrix};

#[test]
fn a_requested_stop_ends_fits_with_interrupted_and_clear_lets_them_run() {
    let rows: Vec<[f64; 2]> = (0..500).map(|i| [(i % 17) as f64, (i % 5) as f64]).collect();
    let x = Matrix::from_rows(&rows).unwrap();
    let kmeans = KMeansParams::new(4).check().unwrap();
    let dbscan = DbscanParams::new(1.5, 4).check().unwrap();
    let elbow = ElbowParams::new(5, KMeansParams::new(1));

    interrupt::request();
    assert!(interrupt::requested());
    assert!(matches!(kmeans.fit(&x), Err(Error::Interrupted)));
    assert!(matches!(dbscan.fit(&x), Err(Error::Interrupted)));
    assert!(matches!(sweep(&x, &elbow, |_| ()), Err(Error::Interrupted)));
    for method in Method::ALL {
        let fit = LinkageParams::new(method).check().unwrap().fit(&x);
        assert!(matches!(fit, Err(Error::Interrupted)), "{method}: {fit:?}");
    }

    interrupt::clear();
    assert!(!interrupt::requested());
    assert_eq!(kmeans.fit(&x).unwrap().n_clusters(), 4);
    assert!(dbscan.fit(&x).is_ok());
    assert!(sweep(&x, &elbow, |_| ()).is_ok());
    for method in Method::ALL {
        let tree = LinkageParams::new(method).check().unwrap().fit(&x).unwrap();
        assert_eq!(tree.merges().len(), 499, "{method}");
    }
}
