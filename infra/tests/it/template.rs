//! `template.yaml` must declare the table that the code (and the emulator bootstrap) uses.

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
