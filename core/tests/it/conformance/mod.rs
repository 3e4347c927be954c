//! Each port's suite is written once; `conformance!` runs every case against both backends,
//! so the test names read `table::embedded::...` and `table::aws::...`.

mod blobs;
mod keys;
mod table;

macro_rules! conformance {
    ($suite:ident: $($case:ident),* $(,)?) => {
        mod embedded {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $case() {
                    super::$case(crate::fixtures::embedded().await).await;
                }
            )*
        }
        mod aws {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $case() {
                    super::$case(crate::fixtures::aws().await).await;
                }
            )*
        }
    };
}
pub(crate) use conformance;
