//! A DynamoDB item as plain bytes, for the tests that search what the AWS backend stored (on
//! the emulator) for values that must not rest there in clear.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

/// `name=value` lines of every attribute, binary values as they are, lists and maps flattened.
pub fn dynamo_item_bytes(item: &HashMap<String, AttributeValue>) -> Vec<u8> {
    let mut bytes = Vec::new();
    for (name, value) in item {
        bytes.extend_from_slice(name.as_bytes());
        bytes.push(b'=');
        attribute_bytes(value, &mut bytes);
        bytes.push(b'\n');
    }
    bytes
}

fn attribute_bytes(value: &AttributeValue, out: &mut Vec<u8>) {
    match value {
        AttributeValue::S(s) | AttributeValue::N(s) => out.extend_from_slice(s.as_bytes()),
        AttributeValue::B(b) => out.extend_from_slice(b.as_ref()),
        AttributeValue::Ss(list) | AttributeValue::Ns(list) => {
            for s in list {
                out.extend_from_slice(s.as_bytes());
                out.push(b' ');
            }
        }
        AttributeValue::Bs(list) => {
            for b in list {
                out.extend_from_slice(b.as_ref());
                out.push(b' ');
            }
        }
        AttributeValue::L(list) => {
            for v in list {
                attribute_bytes(v, out);
                out.push(b' ');
            }
        }
        AttributeValue::M(map) => {
            for (k, v) in map {
                out.extend_from_slice(k.as_bytes());
                out.push(b'=');
                attribute_bytes(v, out);
                out.push(b' ');
            }
        }
        AttributeValue::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        _ => {}
    }
}
