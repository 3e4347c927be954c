//! The table's shape, declared once: the emulator bootstrap creates it from here and a test checks
//! that `template.yaml` declares the same.

/// Name of the one secondary index.
pub const GSI1: &str = "gsi1";

/// Key attributes, index and expiry attribute of Coffer's table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableDefinition {
    pub partition_key: &'static str,
    pub sort_key: &'static str,
    pub gsi_name: &'static str,
    pub gsi_partition_key: &'static str,
    pub gsi_sort_key: &'static str,
    pub ttl_attribute: &'static str,
}

pub const TABLE_DEFINITION: TableDefinition = TableDefinition {
    partition_key: "pk",
    sort_key: "sk",
    gsi_name: GSI1,
    gsi_partition_key: "gsi1pk",
    gsi_sort_key: "gsi1sk",
    ttl_attribute: "expires_at",
};
