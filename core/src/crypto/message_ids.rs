//! Fresh random message ids for a run of envelopes (a batch of a thousand), drawn from the OS
//! CSPRNG sixty-four at a time: one system call per 64 ids instead of one per id, which was a
//! third of an envelope's fixed cost. Each id is handed out once; nothing can put chosen bytes
//! in, so an id is never repeated under a data key (which would repeat its message key).

use super::{CryptoError, MESSAGE_ID_LEN, random};

const IDS_PER_DRAW: usize = 64;
const POOL_LEN: usize = IDS_PER_DRAW * MESSAGE_ID_LEN;

/// A pool of unused random message ids; keep one per request, not per process.
pub struct MessageIds {
    pool: Box<[u8; POOL_LEN]>,
    /// Where the next unused id starts; `POOL_LEN` when the pool is spent.
    next: usize,
}

impl MessageIds {
    /// An empty pool: the first id draws from the OS.
    pub fn new() -> Self {
        Self {
            pool: Box::new([0; POOL_LEN]),
            next: POOL_LEN,
        }
    }

    /// The next unused id.
    pub fn next_id(&mut self) -> Result<[u8; MESSAGE_ID_LEN], CryptoError> {
        if self.next == POOL_LEN {
            random::fill(self.pool.as_mut())?;
            self.next = 0;
        }
        let mut id = [0u8; MESSAGE_ID_LEN];
        id.copy_from_slice(&self.pool[self.next..self.next + MESSAGE_ID_LEN]);
        self.next += MESSAGE_ID_LEN;
        Ok(id)
    }
}

impl Default for MessageIds {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for MessageIds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MessageIds")
            .field("unused", &((POOL_LEN - self.next) / MESSAGE_ID_LEN))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_id_handed_out_differs_across_draws() {
        let mut ids = MessageIds::new();
        let drawn: HashSet<[u8; MESSAGE_ID_LEN]> = (0..IDS_PER_DRAW * 5 + 3)
            .map(|_| ids.next_id().unwrap())
            .collect();
        assert_eq!(drawn.len(), IDS_PER_DRAW * 5 + 3);
        assert!(!drawn.contains(&[0; MESSAGE_ID_LEN]));
    }
}
