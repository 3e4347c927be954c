//! `template.yaml` must declare the table that the code (and the emulator bootstrap) uses.

use std::collections::{BTreeMap, BTreeSet};

use coffer_core::store::TABLE_DEFINITION;
use serde_yaml::Value;

fn template() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../template.yaml");
    serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn key_schema(schema: &Value) -> Vec<(String, String)> {
    schema
        .as_sequence()
        .unwrap()
        .iter()
        .map(|k| {
            (
                k["AttributeName"].as_str().unwrap().to_owned(),
                k["KeyType"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn the_template_declares_the_table_the_code_uses() {
    let template = template();
    let table = &template["Resources"]["Table"];
    assert_eq!(table["Type"], "AWS::DynamoDB::Table");
    let props = &table["Properties"];
    let def = TABLE_DEFINITION;

    let mut attributes: Vec<(String, String)> = props["AttributeDefinitions"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["AttributeName"].as_str().unwrap().to_owned(),
                a["AttributeType"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    attributes.sort();
    let mut expected: Vec<(String, String)> = [
        def.partition_key,
        def.sort_key,
        def.gsi_partition_key,
        def.gsi_sort_key,
    ]
    .iter()
    .map(|name| ((*name).to_owned(), "S".to_owned()))
    .collect();
    expected.sort();
    assert_eq!(attributes, expected);

    assert_eq!(
        key_schema(&props["KeySchema"]),
        [
            (def.partition_key.to_owned(), "HASH".to_owned()),
            (def.sort_key.to_owned(), "RANGE".to_owned())
        ]
    );
    let gsis = props["GlobalSecondaryIndexes"].as_sequence().unwrap();
    assert_eq!(gsis.len(), 1, "one secondary index");
    assert_eq!(gsis[0]["IndexName"], def.gsi_name);
    assert_eq!(
        key_schema(&gsis[0]["KeySchema"]),
        [
            (def.gsi_partition_key.to_owned(), "HASH".to_owned()),
            (def.gsi_sort_key.to_owned(), "RANGE".to_owned())
        ]
    );
    assert_eq!(gsis[0]["Projection"]["ProjectionType"], "ALL");
    assert_eq!(
        props["TimeToLiveSpecification"]["AttributeName"],
        def.ttl_attribute
    );
    assert_eq!(props["TimeToLiveSpecification"]["Enabled"], true);
    assert_eq!(props["BillingMode"], "PAY_PER_REQUEST");
}

#[test]
fn every_function_binary_in_the_template_is_built_by_the_workspace() {
    let template = template();
    let resources = template["Resources"].as_mapping().unwrap();
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    for (name, resource) in resources {
        if resource["Type"] != "AWS::Serverless::Function" {
            continue;
        }
        let binary = resource["Metadata"]["BuildProperties"]["Binary"]
            .as_str()
            .unwrap();
        assert_eq!(
            resource["Metadata"]["BuildMethod"], "rust-cargolambda",
            "{name:?}"
        );
        let main = format!("{root}/functions/{binary}/src/main.rs");
        assert!(
            std::path::Path::new(&main).exists(),
            "{name:?} builds binary {binary}, but {main} is missing"
        );
    }
}

// ------------------------------------------------------------------------------------------------
// Functions, their permissions and their alarms
// ------------------------------------------------------------------------------------------------

/// The template's functions: resource name -> resource.
fn functions(template: &Value) -> Vec<(String, &Value)> {
    template["Resources"]
        .as_mapping()
        .unwrap()
        .iter()
        .filter(|(_, resource)| resource["Type"] == "AWS::Serverless::Function")
        .map(|(name, resource)| (name.as_str().unwrap().to_owned(), resource))
        .collect()
}

/// The binary a function resource is built from (`pii`, `auth`, ...).
fn binary(function: &Value) -> &str {
    function["Metadata"]["BuildProperties"]["Binary"]
        .as_str()
        .unwrap()
}

/// `value` when it is written `!<tag> value`.
fn tagged<'a>(value: &'a Value, tag: &str) -> Option<&'a Value> {
    match value {
        Value::Tagged(tagged) if tagged.tag == tag => Some(&tagged.value),
        _ => None,
    }
}

/// A string, or each string of a list.
fn strings(value: &Value) -> Vec<String> {
    match value {
        Value::String(one) => vec![one.clone()],
        Value::Sequence(many) => many
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect(),
        other => panic!("expected a string or a list of strings, found {other:?}"),
    }
}

/// Every statement of a function's inline policies; a policy under `!If [cond, policy, NoValue]`
/// counts as granted.
fn statements(function: &Value) -> Vec<&Value> {
    let mut out = Vec::new();
    for policy in function["Properties"]["Policies"].as_sequence().unwrap() {
        let policy = match tagged(policy, "!If") {
            Some(branches) => &branches[1],
            None => policy,
        };
        out.extend(policy["Statement"].as_sequence().unwrap());
    }
    out
}

/// The actions of `function`'s Allow statements whose service is `service` (`s3`, `kms`, ...).
fn allowed(function: &Value, service: &str) -> BTreeSet<String> {
    statements(function)
        .into_iter()
        .filter(|s| s["Effect"] == "Allow")
        .flat_map(|s| strings(&s["Action"]))
        .filter(|action| action.starts_with(&format!("{service}:")))
        .collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// The S3 actions each function's code calls, by binary: the datasets function reads, writes and
/// drops payloads and signs URLs for them; the cleanup run lists, reads, re-seals and purges them;
/// `pii` serves `GET /v1/health/ready` (HeadBucket needs s3:ListBucket). Nothing else touches the
/// bucket.
const S3_USE: &[(&str, &[&str])] = &[
    ("pii", &["s3:ListBucket"]),
    ("auth", &[]),
    ("orgs", &[]),
    ("tokens", &[]),
    ("clients", &[]),
    ("crypto", &[]),
    (
        "datasets",
        &[
            "s3:ListBucket",
            "s3:PutObject",
            "s3:GetObject",
            "s3:DeleteObject",
        ],
    ),
    ("audit", &[]),
    (
        "cleanup",
        &[
            "s3:ListBucket",
            "s3:PutObject",
            "s3:GetObject",
            "s3:DeleteObject",
        ],
    ),
    ("mailer", &[]),
];

#[test]
fn each_function_is_granted_only_the_s3_actions_its_code_calls() {
    let template = template();
    let functions = functions(&template);
    assert_eq!(
        functions.len(),
        S3_USE.len(),
        "a function missing from S3_USE"
    );
    for (name, function) in &functions {
        let (_, expected) = S3_USE
            .iter()
            .find(|(bin, _)| *bin == binary(function))
            .unwrap_or_else(|| panic!("{name}: add its binary to S3_USE"));
        assert_eq!(allowed(function, "s3"), set(expected), "{name}");
    }
}

#[test]
fn the_function_that_serves_readiness_may_ask_every_dependency() {
    let template = template();
    let functions = functions(&template);
    let (name, ready) = functions
        .iter()
        .find(|(_, f)| {
            f["Properties"]["Events"]
                .as_mapping()
                .is_some_and(|events| {
                    events
                        .values()
                        .any(|e| e["Properties"]["Path"] == "/v1/health/ready")
                })
        })
        .expect("a function serves GET /v1/health/ready");
    for action in ["dynamodb:DescribeTable", "s3:ListBucket", "kms:DescribeKey"] {
        let service = action.split(':').next().unwrap();
        assert!(
            allowed(ready, service).contains(action),
            "{name} serves readiness without {action}"
        );
    }
}

/// A DynamoDB action's call in the DynamoDB backend (core/src/store/dynamo.rs).
fn dynamo_call(action: &str) -> String {
    let name = action.trim_start_matches("dynamodb:");
    if name == "ConditionCheckItem" {
        // A condition check is one kind of item in a TransactWriteItems call.
        return "ConditionCheck::builder()".to_owned();
    }
    let mut snake = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            snake.push('_');
        }
        snake.push(c.to_ascii_lowercase());
    }
    format!(".{snake}()")
}

#[test]
fn no_function_is_granted_a_dynamodb_call_the_backend_never_makes() {
    let template = template();
    let backend = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../core/src/store/dynamo.rs"
    ))
    .unwrap();
    let mut unused = Vec::new();
    for (name, function) in functions(&template) {
        for action in allowed(function, "dynamodb") {
            if !backend.contains(&dynamo_call(&action)) {
                unused.push(format!("{name}: {action}"));
            }
        }
        let scans = allowed(function, "dynamodb").contains("dynamodb:Scan");
        assert_eq!(
            scans,
            binary(function) == "cleanup",
            "{name}: only the cleanup run scans the table"
        );
    }
    assert!(unused.is_empty(), "granted, never called: {unused:?}");
}

/// The data keys each function's code makes (GenerateDataKey) and opens (Decrypt), by binary:
/// purpose -> (actions, the context's keys). Contexts are made in core/src: the email-index key
/// (auth/email_index.rs), outbox mail (auth/outbox/sealed.rs), PII token keys (pii/keys.rs),
/// named keys (named_keys/version.rs), datasets (datasets/version.rs) and the sealed Ed25519
/// seeds of the token and audit signing keys (keys/sealed_seed.rs).
type DataKeyUse = &'static [(
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
)];

const GENERATE_AND_OPEN: &[&str] = &["kms:GenerateDataKey", "kms:Decrypt"];
const SEALED_SEED: &[&str] = &["purpose", "kid"];
const DATASET: &[&str] = &["purpose", "org", "dataset", "version"];

const DATA_KEY_USE: &[(&str, DataKeyUse)] = &[
    (
        "pii",
        &[(
            "pii-tokens",
            GENERATE_AND_OPEN,
            &["purpose", "org", "version"],
        )],
    ),
    (
        "auth",
        &[
            ("email-index", GENERATE_AND_OPEN, &["purpose"]),
            ("outbox", &["kms:GenerateDataKey"], &["purpose"]),
        ],
    ),
    (
        "orgs",
        &[
            ("email-index", GENERATE_AND_OPEN, &["purpose"]),
            ("outbox", &["kms:GenerateDataKey"], &["purpose"]),
        ],
    ),
    (
        "tokens",
        &[("token-signing", GENERATE_AND_OPEN, SEALED_SEED)],
    ),
    ("clients", &[]),
    (
        "crypto",
        &[(
            "named-key",
            GENERATE_AND_OPEN,
            &["purpose", "org", "key", "version"],
        )],
    ),
    ("datasets", &[("dataset", GENERATE_AND_OPEN, DATASET)]),
    (
        "audit",
        &[("audit-signing", GENERATE_AND_OPEN, SEALED_SEED)],
    ),
    (
        "cleanup",
        &[
            ("token-signing", GENERATE_AND_OPEN, SEALED_SEED),
            ("dataset", GENERATE_AND_OPEN, DATASET),
            ("audit-signing", GENERATE_AND_OPEN, SEALED_SEED),
        ],
    ),
    ("mailer", &[("outbox", &["kms:Decrypt"], &["purpose"])]),
];

/// What a statement's `kms:EncryptionContextKeys` condition allows, sorted.
fn context_keys(statement: &Value) -> Vec<String> {
    let mut keys =
        strings(&statement["Condition"]["ForAllValues:StringEquals"]["kms:EncryptionContextKeys"]);
    keys.sort();
    keys
}

#[test]
fn every_kms_grant_is_on_the_key_and_every_data_key_grant_names_its_encryption_context() {
    let template = template();
    for (name, function) in functions(&template) {
        for statement in statements(function) {
            let actions = strings(&statement["Action"]);
            if !actions.iter().any(|a| a.starts_with("kms:")) {
                continue;
            }
            let sid = statement["Sid"].as_str().unwrap_or("?");
            assert_eq!(
                tagged(&statement["Resource"], "!GetAtt").and_then(Value::as_str),
                Some("Key.Arn"),
                "{name}.{sid}: KMS statements name the deployment's key only"
            );
            for action in &actions {
                assert!(
                    ["kms:GenerateDataKey", "kms:Decrypt", "kms:DescribeKey"]
                        .contains(&action.as_str()),
                    "{name}.{sid}: {action} is not a call the key ring makes"
                );
            }
            if actions == ["kms:DescribeKey"] {
                continue;
            }
            assert!(
                !actions.contains(&"kms:DescribeKey".to_owned()),
                "{name}.{sid}: DescribeKey (no context) goes in a statement of its own"
            );
            let condition = &statement["Condition"];
            let purpose = &condition["StringEquals"]["kms:EncryptionContext:purpose"];
            let through_s3 = !condition["StringEquals"]["kms:ViaService"].is_null();
            assert!(
                purpose.is_string() || through_s3,
                "{name}.{sid}: a data key without an encryption-context purpose"
            );
            assert!(
                !context_keys(statement).is_empty(),
                "{name}.{sid}: no kms:EncryptionContextKeys condition"
            );
        }
    }
}

#[test]
fn each_function_may_make_and_open_only_the_data_keys_its_code_uses() {
    let template = template();
    let functions = functions(&template);
    assert_eq!(
        functions.len(),
        DATA_KEY_USE.len(),
        "a function missing from DATA_KEY_USE"
    );
    for (name, function) in &functions {
        let (_, expected) = DATA_KEY_USE
            .iter()
            .find(|(bin, _)| *bin == binary(function))
            .unwrap_or_else(|| panic!("{name}: add its binary to DATA_KEY_USE"));
        let mut granted: BTreeMap<String, (BTreeSet<String>, Vec<String>)> = BTreeMap::new();
        for statement in statements(function) {
            let Some(purpose) =
                statement["Condition"]["StringEquals"]["kms:EncryptionContext:purpose"].as_str()
            else {
                continue;
            };
            assert_eq!(statement["Effect"], "Allow", "{name}: {purpose}");
            let entry = granted.entry(purpose.to_owned()).or_default();
            entry.0.extend(strings(&statement["Action"]));
            entry.1 = context_keys(statement);
        }
        let expected: BTreeMap<String, (BTreeSet<String>, Vec<String>)> = expected
            .iter()
            .map(|(purpose, actions, keys)| {
                let mut keys: Vec<String> = keys.iter().map(|k| (*k).to_owned()).collect();
                keys.sort();
                ((*purpose).to_owned(), (set(actions), keys))
            })
            .collect();
        assert_eq!(granted, expected, "{name}");
    }
}

#[test]
fn the_data_key_purposes_the_template_grants_are_the_ones_the_code_passes() {
    use coffer_core::{Clock, ManualClock, ids};

    // Contexts the core builds in public functions: compare their purpose and keys outright.
    let now = ManualClock::starting_now().now();
    let org = ids::OrgId::generate(now).unwrap();
    let public: [(&str, coffer_core::keys::EncryptionContext); 3] = [
        ("outbox", coffer_core::auth::outbox::sealed::context()),
        (
            "named-key",
            coffer_core::named_keys::data_key_context(
                &org,
                &ids::NamedKeyId::generate(now).unwrap(),
                1,
            ),
        ),
        (
            "dataset",
            coffer_core::datasets::data_key_context(
                &org,
                &ids::DatasetId::generate(now).unwrap(),
                1,
            ),
        ),
    ];
    for (purpose, context) in &public {
        assert_eq!(context.get("purpose").map(String::as_str), Some(*purpose));
        for (bin, uses) in DATA_KEY_USE {
            for (granted, _, keys) in *uses {
                if granted == purpose {
                    let mut keys: Vec<&str> = keys.to_vec();
                    keys.sort_unstable();
                    let code: Vec<&str> = context.keys().map(String::as_str).collect();
                    assert_eq!(code, keys, "{bin}: {purpose}'s context keys");
                }
            }
        }
    }
    // The others are private to their modules: their purpose must still be spelled there.
    let private = [
        ("email-index", "auth/email_index.rs"),
        ("pii-tokens", "pii/keys.rs"),
        ("token-signing", "tokens/signing_keys.rs"),
        ("audit-signing", "audit/signing_key.rs"),
    ];
    for (purpose, file) in private {
        let source =
            std::fs::read_to_string(format!("{}/../core/src/{file}", env!("CARGO_MANIFEST_DIR")))
                .unwrap();
        assert!(
            source.contains(&format!("\"{purpose}\"")),
            "core/src/{file} no longer names the purpose {purpose:?} the template grants"
        );
    }
    let all: BTreeSet<&str> = DATA_KEY_USE
        .iter()
        .flat_map(|(_, uses)| uses.iter().map(|(purpose, _, _)| *purpose))
        .collect();
    let checked: BTreeSet<&str> = public
        .iter()
        .map(|(p, _)| *p)
        .chain(private.iter().map(|(p, _)| *p))
        .collect();
    assert_eq!(
        all, checked,
        "every granted purpose is checked against the code"
    );
}

/// The effective `Timeout` of a function, in seconds.
fn timeout_seconds(template: &Value, function: &Value) -> u64 {
    function["Properties"]["Timeout"]
        .as_u64()
        .or_else(|| template["Globals"]["Function"]["Timeout"].as_u64())
        .unwrap()
}

#[test]
fn every_function_has_an_errors_a_throttles_and_a_p99_duration_alarm() {
    let template = template();
    let alarms: Vec<&Value> = template["Resources"]
        .as_mapping()
        .unwrap()
        .values()
        .filter(|r| r["Type"] == "AWS::CloudWatch::Alarm")
        .map(|r| &r["Properties"])
        .collect();
    for alarm in &alarms {
        for actions in ["AlarmActions", "OKActions"] {
            let branches = tagged(&alarm[actions], "!If")
                .unwrap_or_else(|| panic!("{:?}: {actions} under !If", alarm["AlarmName"]));
            assert_eq!(branches[0], "HasAlarmAction");
            assert_eq!(
                tagged(&branches[1][0], "!Ref").and_then(Value::as_str),
                Some("AlarmActionArn")
            );
        }
    }
    for (name, function) in functions(&template) {
        let on = |metric: &str| -> Vec<&Value> {
            alarms
                .iter()
                .copied()
                .filter(|a| a["Namespace"] == "AWS/Lambda" && a["MetricName"] == metric)
                .filter(|a| {
                    a["Dimensions"].as_sequence().is_some_and(|dims| {
                        dims.iter().any(|d| {
                            d["Name"] == "FunctionName"
                                && tagged(&d["Value"], "!Ref").and_then(Value::as_str)
                                    == Some(name.as_str())
                        })
                    })
                })
                .collect()
        };
        for metric in ["Errors", "Throttles"] {
            let found = on(metric);
            assert_eq!(found.len(), 1, "{name}: one {metric} alarm");
            assert_eq!(found[0]["Statistic"], "Sum", "{name}: {metric}");
            assert_eq!(found[0]["Threshold"], 1, "{name}: any {metric} alarms");
        }
        let duration = on("Duration");
        assert_eq!(duration.len(), 1, "{name}: one Duration alarm");
        assert_eq!(duration[0]["ExtendedStatistic"], "p99", "{name}");
        let threshold_ms = duration[0]["Threshold"].as_u64().unwrap();
        assert!(
            threshold_ms < timeout_seconds(&template, function) * 1000,
            "{name}: a p99 threshold at or over the timeout never fires"
        );
    }
}

#[test]
fn the_http_api_alarms_on_its_share_of_5xx_answers() {
    let template = template();
    let alarm = &template["Resources"]["Api5xxAlarm"]["Properties"];
    let metrics = alarm["Metrics"].as_sequence().unwrap();
    let api_metric = |name: &str| {
        metrics.iter().any(|m| {
            let metric = &m["MetricStat"]["Metric"];
            metric["Namespace"] == "AWS/ApiGateway"
                && metric["MetricName"] == name
                && tagged(&metric["Dimensions"][0]["Value"], "!Ref").and_then(Value::as_str)
                    == Some("HttpApi")
        })
    };
    assert!(api_metric("5xx") && api_metric("Count"));
}

#[test]
fn the_data_outlives_the_stack_and_deleted_blob_versions_expire() {
    let template = template();
    let resources = &template["Resources"];
    for name in ["Table", "Bucket", "Key"] {
        assert_eq!(resources[name]["DeletionPolicy"], "Retain", "{name}");
        assert_eq!(resources[name]["UpdateReplacePolicy"], "Retain", "{name}");
    }
    assert_eq!(
        resources["Table"]["Properties"]["DeletionProtectionEnabled"],
        true
    );
    let bucket = &resources["Bucket"]["Properties"];
    assert_eq!(bucket["VersioningConfiguration"]["Status"], "Enabled");
    let rules = bucket["LifecycleConfiguration"]["Rules"]
        .as_sequence()
        .unwrap();
    assert!(rules.iter().any(|r| {
        r["Status"] == "Enabled"
            && r["NoncurrentVersionExpiration"]["NoncurrentDays"]
                .as_u64()
                .is_some()
    }));
}

#[test]
fn every_function_has_a_log_group_with_the_retention_setting() {
    let template = template();
    let groups: Vec<&Value> = template["Resources"]
        .as_mapping()
        .unwrap()
        .values()
        .filter(|r| r["Type"] == "AWS::Logs::LogGroup")
        .map(|r| &r["Properties"])
        .collect();
    for (name, _) in functions(&template) {
        let expected = format!("/aws/lambda/${{{name}}}");
        let group = groups
            .iter()
            .find(|g| tagged(&g["LogGroupName"], "!Sub").and_then(Value::as_str) == Some(&expected))
            .unwrap_or_else(|| panic!("{name}: no log group {expected}"));
        assert_eq!(
            tagged(&group["RetentionInDays"], "!Ref").and_then(Value::as_str),
            Some("LogRetentionDays"),
            "{name}"
        );
    }
}

#[test]
fn reserved_concurrency_is_off_unless_the_parameter_sets_it() {
    let template = template();
    assert_eq!(template["Parameters"]["ReservedConcurrency"]["Default"], -1);
    let reserved = &template["Globals"]["Function"]["ReservedConcurrentExecutions"];
    let branches = tagged(reserved, "!If").expect("ReservedConcurrentExecutions under !If");
    assert_eq!(branches[0], "HasReservedConcurrency");
    assert_eq!(
        tagged(&branches[2], "!Ref").and_then(Value::as_str),
        Some("AWS::NoValue")
    );
}
