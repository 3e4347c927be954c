//! Everything the stores hold, read around the app: every table item (the SQLite file's rows,
//! or a Scan of the whole DynamoDB table), every file of the embedded data folder (the SQLite
//! file with its WAL, the blobs, the key files, the mail folder), every object of the bucket.

use std::path::Path;

use coffer_core::store::Key;
use coffer_testkit::TestApp;
use futures_util::StreamExt as _;

/// One table item as text: its keys and every attribute (binary ones as lossy UTF-8, which
/// keeps every ASCII byte, so base64 and hex forms are found in them too).
pub struct StoredItem {
    pub key: Key,
    pub text: String,
}

/// One file or object: where it is and its bytes as lossy UTF-8.
pub struct Stored {
    pub name: String,
    pub text: String,
}

/// Every item of the embedded table, read from the SQLite file (its WAL included).
pub fn sqlite_items(app: &TestApp) -> Vec<StoredItem> {
    let db = rusqlite::Connection::open(app.state.settings.data_dir.join("table.sqlite3")).unwrap();
    let mut statement = db
        .prepare("SELECT pk, sk, COALESCE(gsi1pk, ''), COALESCE(gsi1sk, ''), attrs FROM items")
        .unwrap();
    statement
        .query_map([], |row| {
            let key = Key::new(row.get::<_, String>(0)?, row.get::<_, String>(1)?);
            let text = format!(
                "{} {} {} {} {}",
                key.pk,
                key.sk,
                row.get::<_, String>(2)?,
                row.get::<_, String>(3)?,
                row.get::<_, String>(4)?
            );
            Ok(StoredItem { key, text })
        })
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// Every file under the embedded backend's data folder.
pub fn files(dir: &Path) -> Vec<Stored> {
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<Stored>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            walk(root, &path, out);
        } else if let Ok(bytes) = std::fs::read(&path) {
            out.push(Stored {
                name: path.strip_prefix(root).unwrap().display().to_string(),
                text: String::from_utf8_lossy(&bytes).into_owned(),
            });
        }
    }
}

/// Every item of the DynamoDB table (a parallel Scan, page after page).
pub async fn dynamo_items(app: &TestApp) -> Vec<StoredItem> {
    const SEGMENTS: i32 = 4;
    let config = coffer_core::aws::sdk_config(&app.state.settings).await;
    let client = aws_sdk_dynamodb::Client::new(&config);
    let table = app.state.settings.table.clone();
    let segments = (0..SEGMENTS).map(|segment| {
        let (client, table) = (client.clone(), table.clone());
        async move {
            let mut out = Vec::new();
            let mut start = None;
            loop {
                let page = client
                    .scan()
                    .table_name(&table)
                    .segment(segment)
                    .total_segments(SEGMENTS)
                    .set_exclusive_start_key(start)
                    .send()
                    .await
                    .expect("scan the table");
                for item in page.items() {
                    let text_of = |name: &str| {
                        item.get(name)
                            .and_then(|v| v.as_s().ok())
                            .cloned()
                            .unwrap_or_default()
                    };
                    let bytes = coffer_testkit::dynamo_item_bytes(item);
                    out.push(StoredItem {
                        key: Key::new(text_of("pk"), text_of("sk")),
                        text: String::from_utf8_lossy(&bytes).into_owned(),
                    });
                }
                start = page.last_evaluated_key().cloned();
                if start.is_none() {
                    return out;
                }
            }
        }
    });
    futures_util::future::join_all(segments)
        .await
        .into_iter()
        .flatten()
        .collect()
}

/// Every object of the bucket with its metadata.
pub async fn bucket(app: &TestApp) -> Vec<Stored> {
    let client = s3(app).await;
    let bucket = &app.state.settings.bucket;
    let reads = object_keys(&client, bucket).await.into_iter().map(|key| {
        let client = client.clone();
        async move {
            let object = client
                .get_object()
                .bucket(bucket)
                .key(&key)
                .send()
                .await
                .expect("read an object");
            let metadata = format!("{:?} {:?}", object.metadata(), object.content_type());
            let body = object.body.collect().await.unwrap().into_bytes();
            Stored {
                name: key,
                text: format!("{metadata}\n{}", String::from_utf8_lossy(&body)),
            }
        }
    });
    futures_util::stream::iter(reads)
        .buffer_unordered(8)
        .collect()
        .await
}

/// Removes the run's own table and bucket from the emulator (best effort: it is moto's memory).
pub async fn drop_table_and_bucket(app: &TestApp) {
    let settings = &app.state.settings;
    let client = s3(app).await;
    for key in object_keys(&client, &settings.bucket).await {
        let _ = client
            .delete_object()
            .bucket(&settings.bucket)
            .key(key)
            .send()
            .await;
    }
    let _ = client.delete_bucket().bucket(&settings.bucket).send().await;
    let config = coffer_core::aws::sdk_config(settings).await;
    let _ = aws_sdk_dynamodb::Client::new(&config)
        .delete_table()
        .table_name(&settings.table)
        .send()
        .await;
}

async fn s3(app: &TestApp) -> aws_sdk_s3::Client {
    let config = coffer_core::aws::sdk_config(&app.state.settings).await;
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&config)
            .force_path_style(true)
            .build(),
    )
}

async fn object_keys(client: &aws_sdk_s3::Client, bucket: &str) -> Vec<String> {
    let (mut keys, mut token) = (Vec::new(), None);
    loop {
        let page = client
            .list_objects_v2()
            .bucket(bucket)
            .set_continuation_token(token)
            .send()
            .await
            .expect("list the bucket");
        keys.extend(
            page.contents()
                .iter()
                .filter_map(|o| o.key().map(str::to_owned)),
        );
        token = page.next_continuation_token().map(str::to_owned);
        if token.is_none() {
            return keys;
        }
    }
}
