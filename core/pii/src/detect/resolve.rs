//! Overlap resolution: of overlapping hits keep the longest, then the highest-scoring, then the
//! first.

use super::scan::Hit;

/// Non-overlapping hits sorted by start.
pub(crate) fn resolve(mut hits: Vec<Hit>) -> Vec<Hit> {
    // The scanner's own output is already in order and disjoint.
    if hits.windows(2).all(|w| w[0].end <= w[1].start) {
        return hits;
    }
    hits.sort_by(|a, b| {
        (b.end - b.start)
            .cmp(&(a.end - a.start))
            .then(b.score.total_cmp(&a.score))
            .then(a.start.cmp(&b.start))
    });
    let mut kept: Vec<Hit> = Vec::with_capacity(hits.len());
    for h in hits {
        // `kept` stays sorted by start, so only neighbours can overlap.
        let i = kept.partition_point(|k| k.start < h.start);
        let overlaps_prev = i > 0 && kept[i - 1].end > h.start;
        let overlaps_next = kept.get(i).is_some_and(|k| k.start < h.end);
        if !overlaps_prev && !overlaps_next {
            kept.insert(i, h);
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EntityType;

    fn h(ty: EntityType, start: usize, end: usize, score: f32) -> Hit {
        Hit::new(ty, start, end, score)
    }

    #[test]
    fn longest_then_highest_score_wins() {
        let out = resolve(vec![
            h(EntityType::Phone, 0, 10, 0.9),
            h(EntityType::CreditCard, 0, 16, 0.6),
            h(EntityType::UsSsn, 20, 31, 0.7),
            h(EntityType::UsPassport, 20, 31, 0.8),
            h(EntityType::Email, 40, 50, 0.9),
        ]);
        let types: Vec<_> = out.iter().map(|h| h.ty).collect();
        assert_eq!(
            types,
            vec![
                EntityType::CreditCard,
                EntityType::UsPassport,
                EntityType::Email
            ]
        );
    }
}
