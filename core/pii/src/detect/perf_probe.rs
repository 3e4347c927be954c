#![allow(clippy::unwrap_used)]
use std::time::Instant;

use super::Detector;
use super::scan::Scan;

#[test]
#[ignore]
fn probe() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/pii-dev.jsonl")).unwrap();
    let texts: Vec<String> = text
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["text"].as_str().unwrap().to_owned())
        .collect();
    let bytes: usize = texts.iter().map(String::len).sum();
    let d = Detector::shared();
    let n = 50;
    let t = Instant::now();
    let mut k = 0;
    for _ in 0..n {
        for s in &texts {
            k += d.context.find_all(s.as_bytes()).len();
        }
    }
    let e = t.elapsed().as_secs_f64();
    println!("AC: {k} hits {:.1} MB/s {:.0} ns/text", (n * bytes) as f64 / e / 1e6, e * 1e9 / (n * texts.len()) as f64);
    let t = Instant::now();
    let mut k = 0;
    for _ in 0..n {
        for s in &texts {
            let mut at = 0;
            let mut c = d.engine.re.create_cache();
            while let Ok(Some(m)) = d.engine.re.try_search(&mut c, &regex_automata::Input::new(s.as_bytes()).range(at..)) {
                k += 1;
                at = m.end();
            }
        }
    }
    let e = t.elapsed().as_secs_f64();
    println!("regex: {k} matches {:.1} MB/s {:.0} ns/text", (n * bytes) as f64 / e / 1e6, e * 1e9 / (n * texts.len()) as f64);
    let t = Instant::now();
    let mut k = 0;
    for _ in 0..n {
        for s in &texts {
            let (st, kw) = super::engine::prescan(s.as_bytes(), &d.context);
            let scan = Scan::new(s, &d.names, kw, 0);
            k += d.engine.scan(&scan, &st, 0.5).len();
        }
    }
    let e = t.elapsed().as_secs_f64();
    println!("scan: {k} hits {:.1} MB/s {:.0} ns/text", (n * bytes) as f64 / e / 1e6, e * 1e9 / (n * texts.len()) as f64);
}

#[test]
#[ignore]
fn probe_patterns() {
    use super::engine::FAMILIES;
    use regex_automata::meta::Regex;
    use regex_automata::util::syntax;
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/pii-dev.jsonl")).unwrap();
    let texts: Vec<String> = text
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["text"].as_str().unwrap().to_owned())
        .collect();
    let bytes: usize = texts.iter().map(String::len).sum();
    let run = |label: &str, pats: Vec<String>| {
        let re = Regex::builder()
            .syntax(syntax::Config::new().unicode(false).utf8(false))
            .configure(Regex::config().utf8_empty(false).hybrid_cache_capacity(16 << 20))
            .build_many(&pats)
            .unwrap();
        let n = 20;
        let t = Instant::now();
        let mut k = 0;
        for _ in 0..n {
            for s in &texts {
                let mut at = 0;
                while let Some(m) = re.search(&regex_automata::Input::new(s.as_bytes()).range(at..)) {
                    k += 1;
                    at = m.end();
                }
            }
        }
        let e = t.elapsed().as_secs_f64();
        println!("{label:<20} {k:>7} matches {:>7.1} MB/s {:>6.0} ns/text", (n * bytes) as f64 / e / 1e6, e * 1e9 / (n * texts.len()) as f64);
    };
    run("all", FAMILIES.iter().map(|f| f.pattern()).collect());
    for skip in FAMILIES {
        run(&format!("without {skip:?}"), FAMILIES.iter().filter(|f| **f != skip).map(|f| f.pattern()).collect());
    }
    for only in FAMILIES {
        run(&format!("only {only:?}"), vec![only.pattern()]);
    }
}

#[test]
#[ignore]
fn probe_dense() {
    use super::engine::FAMILIES;
    use regex_automata::dfa::{dense, regex::Regex};
    use regex_automata::util::syntax;
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/pii-dev.jsonl")).unwrap();
    let texts: Vec<String> = text
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["text"].as_str().unwrap().to_owned())
        .collect();
    let bytes: usize = texts.iter().map(String::len).sum();
    let pats: Vec<String> = FAMILIES.iter().map(|f| f.pattern()).collect();
    let t = Instant::now();
    let re = Regex::builder()
        .syntax(syntax::Config::new().unicode(false).utf8(false))
        .dense(dense::Config::new().minimize(false).dfa_size_limit(Some(256 << 20)).determinize_size_limit(Some(512 << 20)))
        .build_many(&pats);
    println!("dense build {:?}", t.elapsed());
    let re = match re {
        Ok(r) => r,
        Err(e) => {
            println!("error {e}");
            return;
        }
    };
    println!("fwd {} bytes, rev {} bytes", re.forward().memory_usage(), re.reverse().memory_usage());
    let n = 20;
    let t = Instant::now();
    let mut k = 0;
    for _ in 0..n {
        for s in &texts {
            let mut at = 0;
            while let Some(m) = re.find(regex_automata::Input::new(s.as_bytes()).range(at..)) {
                k += 1;
                at = m.end();
            }
        }
    }
    let e = t.elapsed().as_secs_f64();
    println!("dense {k:>7} matches {:>7.1} MB/s {:>6.0} ns/text", (n * bytes) as f64 / e / 1e6, e * 1e9 / (n * texts.len()) as f64);
}

fn loosen(p: &str) -> String {
    // replace counted repetitions by + or * (speed experiment only)
    let re = regex_automata::meta::Regex::new(r"\{([0-9]+)(,[0-9]*)?\}").unwrap();
    let mut out = String::new();
    let mut last = 0;
    for m in re.find_iter(p) {
        // skip escaped braces like {{ in format strings (none here after formatting)
        out.push_str(&p[last..m.start()]);
        let inner = &p[m.start() + 1..m.end() - 1];
        let min: usize = inner.split(',').next().unwrap().parse().unwrap();
        out.push_str(if min == 0 { "*" } else { "+" });
        last = m.end();
    }
    out.push_str(&p[last..]);
    out
}

#[test]
#[ignore]
fn probe_loose() {
    use super::engine::FAMILIES;
    use regex_automata::meta::Regex;
    use regex_automata::util::syntax;
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/pii-dev.jsonl")).unwrap();
    let texts: Vec<String> = text
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["text"].as_str().unwrap().to_owned())
        .collect();
    let bytes: usize = texts.iter().map(String::len).sum();
    let run = |label: &str, pats: Vec<String>| {
        let re = Regex::builder()
            .syntax(syntax::Config::new().unicode(false).utf8(false))
            .configure(Regex::config().utf8_empty(false).hybrid_cache_capacity(16 << 20))
            .build_many(&pats)
            .unwrap();
        let n = 20;
        let t = Instant::now();
        let mut k = 0;
        for _ in 0..n {
            for s in &texts {
                let mut at = 0;
                while let Some(m) = re.search(&regex_automata::Input::new(s.as_bytes()).range(at..)) {
                    k += 1;
                    at = m.end();
                }
            }
        }
        let e = t.elapsed().as_secs_f64();
        println!("{label:<20} {k:>7} matches {:>7.1} MB/s {:>6.0} ns/text", (n * bytes) as f64 / e / 1e6, e * 1e9 / (n * texts.len()) as f64);
    };
    run("all", FAMILIES.iter().map(|f| f.pattern()).collect());
    run("all loose", FAMILIES.iter().map(|f| loosen(&f.pattern())).collect());
    run("loose no person", FAMILIES.iter().filter(|f| !matches!(f, super::engine::Family::Person)).map(|f| loosen(&f.pattern())).collect());
    let big = texts.join(" ");
    let re = Regex::builder()
        .syntax(syntax::Config::new().unicode(false).utf8(false))
        .configure(Regex::config().utf8_empty(false).hybrid_cache_capacity(16 << 20))
        .build_many(&FAMILIES.iter().map(|f| f.pattern()).collect::<Vec<_>>())
        .unwrap();
    let t = Instant::now();
    let mut k = 0;
    for _ in 0..5 {
        let mut at = 0;
        while let Some(m) = re.search(&regex_automata::Input::new(big.as_bytes()).range(at..)) {
            k += 1;
            at = m.end();
        }
    }
    println!("one haystack: {k} matches {:.1} MB/s", (5 * big.len()) as f64 / t.elapsed().as_secs_f64() / 1e6);
}

#[test]
#[ignore]
fn probe_hybrid() {
    use super::engine::FAMILIES;
    use regex_automata::hybrid::{dfa, regex::Regex};
    use regex_automata::util::syntax;
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/pii-dev.jsonl")).unwrap();
    let texts: Vec<String> = text
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["text"].as_str().unwrap().to_owned())
        .collect();
    let big = texts.join(" ");
    for (label, pats) in [
        ("all", FAMILIES.iter().map(|f| f.pattern()).collect::<Vec<_>>()),
        ("loose", FAMILIES.iter().map(|f| loosen(&f.pattern())).collect::<Vec<_>>()),
    ] {
        let re = Regex::builder()
            .syntax(syntax::Config::new().unicode(false).utf8(false))
            .dfa(dfa::Config::new().cache_capacity(64 << 20).minimum_cache_clear_count(None))
            .build_many(&pats)
            .unwrap();
        let mut cache = re.create_cache();
        for round in 0..3 {
            let t = Instant::now();
            let mut k = 0;
            let mut at = 0;
            while let Ok(Some(m)) = re.try_search(&mut cache, &regex_automata::Input::new(big.as_bytes()).range(at..)) {
                k += 1;
                at = m.end();
            }
            let (f, r) = cache.as_parts();
            println!(
                "{label} round {round}: {k} matches {:.1} MB/s, fwd clears {} states mem {} rev clears {} mem {}",
                big.len() as f64 / t.elapsed().as_secs_f64() / 1e6,
                f.clear_count(),
                f.memory_usage(),
                r.clear_count(),
                r.memory_usage()
            );
        }
    }
}

#[test]
#[ignore]
fn probe_prose() {
    let d = Detector::shared();
    let prose = "the quick brown fox jumps over the lazy dog while we wait for a reply, ok? ".repeat(14000);
    let mut cache = d.engine.re.create_cache();
    for round in 0..3 {
        let t = Instant::now();
        let r = d.engine.re.try_search(&mut cache, &regex_automata::Input::new(prose.as_bytes()));
        println!("prose round {round}: {:?} {:.1} MB/s", r.map(|m| m.is_some()), prose.len() as f64 / t.elapsed().as_secs_f64() / 1e6);
    }
    let caps = "The Quick Brown Fox Jumps Over The Lazy Dog While We Wait For A Reply, Ok? ".repeat(14000);
    for round in 0..2 {
        let t = Instant::now();
        let mut k = 0;
        let mut at = 0;
        while let Ok(Some(m)) = d.engine.re.try_search(&mut cache, &regex_automata::Input::new(caps.as_bytes()).range(at..)) {
            k += 1;
            at = m.end();
        }
        println!("caps round {round}: {k} {:.1} MB/s", caps.len() as f64 / t.elapsed().as_secs_f64() / 1e6);
    }
    let t = Instant::now();
    let mut k = 0;
    for _ in 0..10 {
        k += d.context.find_all(prose.as_bytes()).len();
    }
    println!("AC prose: {k} {:.1} MB/s", 10.0 * prose.len() as f64 / t.elapsed().as_secs_f64() / 1e6);
}

#[test]
#[ignore]
fn probe_states() {
    use super::engine::FAMILIES;
    use regex_automata::hybrid::{dfa, regex::Regex};
    use regex_automata::util::syntax;
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/pii-dev.jsonl")).unwrap();
    let texts: Vec<String> = text
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["text"].as_str().unwrap().to_owned())
        .collect();
    let big = texts.join("\n");
    let measure = |label: &str, pats: Vec<String>| {
        let re = Regex::builder()
            .syntax(syntax::Config::new().unicode(false).utf8(false))
            .dfa(dfa::Config::new().cache_capacity(64 << 20).minimum_cache_clear_count(None))
            .build_many(&pats)
            .unwrap();
        let mut cache = re.create_cache();
        let mut best = 0.0f64;
        for _ in 0..4 {
            let t = Instant::now();
            let mut at = 0;
            while let Ok(Some(m)) = re.try_search(&mut cache, &regex_automata::Input::new(big.as_bytes()).range(at..)) {
                at = m.end();
            }
            best = best.max(big.len() as f64 / t.elapsed().as_secs_f64() / 1e6);
        }
        let (f, r) = cache.as_parts();
        println!("{label:<24} fwd {:>8} rev {:>8} best {best:>6.1} MB/s", f.memory_usage(), r.memory_usage());
    };
    measure("all", FAMILIES.iter().map(|f| f.pattern()).collect());
    for skip in FAMILIES {
        measure(&format!("-{skip:?}"), FAMILIES.iter().filter(|f| **f != skip).map(|f| f.pattern()).collect());
    }
}
