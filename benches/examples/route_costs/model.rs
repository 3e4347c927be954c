//! The cost model: list prices, the AWS latencies assumed per call, Lambda's CPU share by memory
//! size, and the mixed load of the 100,000 requests/s figure. Everything here is an assumption
//! stated once; the measured inputs are the calls and CPU times of `measure`.

use std::collections::HashMap;
use std::error::Error;

use crate::counting::{Api, Call};
use crate::routes::{Function, Route};

/// us-east-1 list prices, as AWS publishes them (on-demand DynamoDB after the price cut of
/// 1 November 2024; no free tier; HTTP API's first 300 million requests a month).
pub struct Prices {
    pub as_of: &'static str,
    /// Lambda on arm64, per GB-second of billed duration (1 ms granularity).
    pub lambda_gb_second: f64,
    pub lambda_per_million: f64,
    /// API Gateway HTTP API, per million requests (each up to 512 KB).
    pub http_api_per_million: f64,
    /// DynamoDB on-demand, per million read request units / write request units.
    pub read_units_per_million: f64,
    pub write_units_per_million: f64,
    /// KMS, per 10,000 requests.
    pub kms_per_10k: f64,
}

pub const PRICES: Prices = Prices {
    as_of: "us-east-1 list prices as published by AWS since the DynamoDB on-demand cut of 2024-11-01",
    lambda_gb_second: 0.000_013_333_4,
    lambda_per_million: 0.20,
    http_api_per_million: 1.00,
    read_units_per_million: 0.125,
    write_units_per_million: 0.625,
    kms_per_10k: 0.03,
};

/// The typical in-region latency of one call from a warm Lambda (the SDK's connection kept
/// alive), in milliseconds: an assumption, not a measurement.
pub fn latency_ms(api: Api) -> f64 {
    match api {
        Api::GetItem => 4.0,
        Api::Query | Api::PutItem | Api::UpdateItem | Api::DeleteItem | Api::DescribeTable => 5.0,
        Api::TransactWriteItems => 10.0,
        Api::KmsGenerateDataKey | Api::KmsDecrypt | Api::KmsDescribeKey => 8.0,
        Api::S3Put | Api::S3Get => 20.0,
        Api::S3Head | Api::S3Delete | Api::S3List | Api::S3HeadBucket => 10.0,
        Api::S3Presign => 0.0,
    }
}

/// The runtime's own time per invocation (Runtime API round trip, event conversion).
pub const INVOKE_OVERHEAD_MS: f64 = 0.5;

/// The memory size at which a Lambda function gets one full vCPU; below it, a share.
pub const FULL_VCPU_MB: f64 = 1769.0;

/// How much longer CPU work takes at `memory_mb` than on one full core.
pub fn cpu_factor(memory_mb: u32) -> f64 {
    (FULL_VCPU_MB / f64::from(memory_mb)).max(1.0)
}

/// The data-key cache: a key is unwrapped again after this many uses or seconds.
pub const DATA_KEY_MAX_USES: f64 = 100_000.0;
pub const DATA_KEY_MAX_AGE_S: f64 = 300.0;

/// The time `calls` keep a request waiting on AWS: calls in flight together (their spans
/// overlap) cost the slowest of them; the others add up.
pub fn io_ms(calls: &[Call]) -> f64 {
    let mut sorted: Vec<&Call> = calls.iter().filter(|c| c.api != Api::S3Presign).collect();
    sorted.sort_by_key(|c| c.span.0);
    let mut total = 0.0;
    let mut group_end = 0;
    let mut group_max = 0.0_f64;
    for call in sorted {
        if call.span.0 < group_end {
            group_max = group_max.max(latency_ms(call.api));
            group_end = group_end.max(call.span.1);
        } else {
            total += group_max;
            group_max = latency_ms(call.api);
            group_end = call.span.1;
        }
    }
    total + group_max
}

/// Each function's `MemorySize` in `template.yaml` (its own, else the `Globals` one).
pub fn memory_sizes(template: &str) -> Result<HashMap<&'static str, u32>, Box<dyn Error>> {
    let doc: serde_yaml::Value = serde_yaml::from_str(template)?;
    let size = |value: &serde_yaml::Value| value.as_u64().and_then(|n| u32::try_from(n).ok());
    let global = size(&doc["Globals"]["Function"]["MemorySize"]);
    let mut sizes = HashMap::new();
    for function in Function::ALL {
        let own = size(&doc["Resources"][function.resource()]["Properties"]["MemorySize"]);
        let memory = own
            .or(global)
            .ok_or_else(|| format!("no MemorySize for {} in template.yaml", function.resource()))?;
        sizes.insert(function.resource(), memory);
    }
    Ok(sizes)
}

/// The mixed load of the 100,000 requests/s figure: each route's share, in percent (an
/// assumption: an identity-heavy API with a busy data vault).
pub const MIX: [(Route, f64); 21] = [
    (Route::MeToken, 30.0),
    (Route::MeSession, 10.0),
    (Route::IssueTokens, 2.0),
    (Route::Refresh, 5.0),
    (Route::ClientCredentials, 3.0),
    (Route::Login, 1.0),
    (Route::Register, 0.2),
    (Route::Logout, 0.8),
    (Route::ListOrgs, 2.0),
    (Route::ListMembers, 1.5),
    (Route::CreateVault, 0.1),
    (Route::Encrypt, 10.0),
    (Route::Decrypt, 10.0),
    (Route::Detect, 3.0),
    (Route::AnonymizeRedact, 1.0),
    (Route::AnonymizeTokenize, 2.0),
    (Route::RecordWrite, 6.0),
    (Route::RecordRead, 8.0),
    (Route::Search, 2.5),
    (Route::AuditLogs, 0.4),
    (Route::Health, 1.5),
];

/// The mixed load's rate.
pub const MIXED_RATE: f64 = 100_000.0;
