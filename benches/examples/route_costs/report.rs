//! The markdown tables `docs/capacity.md` shows.

use std::collections::{BTreeMap, HashMap};

use crate::counting::Api;
use crate::measure::Measured;
use crate::model::{self, MIX, MIXED_RATE, PRICES};
use crate::routes::{Function, Route};

/// A count or mean: whole numbers plainly, others with one decimal.
fn n(value: f64) -> String {
    let value = value + 0.0; // no "-0"
    if (value - value.round()).abs() < 0.05 {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    }
}

fn dollars(value: f64) -> String {
    if value < 0.0005 {
        "<$0.001".into()
    } else {
        format!("${value:.3}")
    }
}

pub struct Report<'a> {
    pub measured: &'a [Measured],
    pub memory: &'a HashMap<&'static str, u32>,
}

impl Report<'_> {
    fn memory(&self, function: Function) -> u32 {
        self.memory.get(function.resource()).copied().unwrap_or(0)
    }

    fn find(&self, route: Route) -> Option<&Measured> {
        self.measured.iter().find(|m| m.route == route)
    }

    pub fn calls(&self) {
        println!("### Calls per request, warm (mean of the warm calls)\n");
        println!(
            "| route | fn | GetItem | Query | PutItem | UpdateItem | DeleteItem | TransactWriteItems (items) | KMS | S3 | items touched (one warm request) |"
        );
        println!("|---|---|---|---|---|---|---|---|---|---|---|");
        for m in self.measured {
            let tx = m.calls(Api::TransactWriteItems);
            let tx = if tx > 0.0 {
                format!("{} ({})", n(tx), n(m.transaction_items()))
            } else {
                "0".into()
            };
            println!(
                "| `{}` | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                m.route.label(),
                m.route.function().name(),
                n(m.calls(Api::GetItem)),
                n(m.calls(Api::Query)),
                n(m.calls(Api::PutItem)),
                n(m.calls(Api::UpdateItem)),
                n(m.calls(Api::DeleteItem)),
                tx,
                n(m.kms()),
                n(m.s3()),
                m.touched(),
            );
        }
        println!();
    }

    pub fn capacity(&self) {
        println!("### Request units per request, and the first request of a new process\n");
        println!(
            "| route | read units | write units | DynamoDB per 1M | first request: calls beyond a warm one |"
        );
        println!("|---|---|---|---|---|");
        for m in self.measured {
            let units = m.units();
            println!(
                "| `{}` | {} | {} | {} | {} |",
                m.route.label(),
                n(units.read),
                n(units.write),
                dollars(
                    units.read * PRICES.read_units_per_million
                        + units.write * PRICES.write_units_per_million
                ),
                m.cold_extra(),
            );
        }
        println!();
        println!("### Cold start (the warm-up before the first request)\n");
        println!("| function | memory (template.yaml) | calls |");
        println!("|---|---|---|");
        for function in Function::ALL {
            if let Some(m) = self
                .measured
                .iter()
                .find(|m| m.route.function() == function)
            {
                println!(
                    "| {} | {} MB | {} |",
                    function.name(),
                    self.memory(function),
                    m.init_calls()
                );
            }
        }
        println!();
    }

    /// The sizes of the items read and written one at a time, largest seen: what a read of
    /// each costs and how close it is to the 1 KB (write) and 4 KB (read) steps.
    pub fn sizes(&self) {
        let mut largest: BTreeMap<String, (usize, usize)> = BTreeMap::new();
        for m in self.measured {
            let calls = m
                .warm
                .iter()
                .chain(std::iter::once(&m.cold))
                .flat_map(|s| s.calls.iter())
                .chain(m.init.iter());
            for call in calls {
                if let [what] = call.touched.as_slice()
                    && call.items > 0
                    && call.api != Api::TransactWriteItems
                {
                    let per_item = call.bytes / call.items;
                    let entry = largest.entry(what.clone()).or_default();
                    *entry = (entry.0.max(per_item), entry.1.max(call.items));
                }
            }
        }
        println!(
            "### Item sizes seen (bytes per item, largest; queries: most items in one page)\n"
        );
        println!("| call | bytes per item | items |");
        println!("|---|---|---|");
        for (what, (bytes, items)) in &largest {
            println!("| `{what}` | {bytes} | {items} |");
        }
        println!();
    }

    pub fn durations(&self) {
        println!("### Durations: measured in-process, modelled on Lambda\n");
        println!(
            "| route | memory | in-process (median) | own CPU (least) | × CPU share | AWS waits (model) | Lambda duration (model) | billed | concurrency at 1,000 req/s |"
        );
        println!("|---|---|---|---|---|---|---|---|---|");
        for m in self.measured {
            let memory = self.memory(m.route.function());
            let lambda = m.lambda_ms(memory);
            println!(
                "| `{}` | {} MB | {:.3} ms | {:.3} ms | ×{:.2} | {:.1} ms | {:.1} ms | {:.0} ms | {:.1} |",
                m.route.label(),
                memory,
                m.wall_ms(),
                m.compute_ms(),
                model::cpu_factor(memory),
                m.io_ms(),
                lambda,
                lambda.ceil(),
                lambda, // 1,000 req/s × lambda ms / 1,000
            );
        }
        println!();
    }

    pub fn costs(&self) {
        println!("### Cost per million requests, arm64, us-east-1\n");
        println!(
            "| route | Lambda compute | Lambda requests | HTTP API | DynamoDB | KMS (amortized) | total | goal scope (Lambda + HTTP API + DynamoDB) |"
        );
        println!("|---|---|---|---|---|---|---|---|");
        for m in self.measured {
            let cost = m.cost(self.memory(m.route.function()));
            println!(
                "| `{}` | {} | {} | {} | {} | {} | **{}** | {} |",
                m.route.label(),
                dollars(cost.compute),
                dollars(cost.requests),
                dollars(cost.http_api),
                dollars(cost.dynamodb),
                dollars(cost.kms),
                dollars(cost.total()),
                dollars(cost.goal_total()),
            );
        }
        println!();
        for route in [Route::MeToken, Route::MeSession] {
            if let Some(m) = self.find(route) {
                let cost = m.cost(self.memory(route.function()));
                println!(
                    "Goal: `{}` under $1.50 per million (Lambda + HTTP API + DynamoDB): {} → **{}**",
                    route.label(),
                    dollars(cost.goal_total()),
                    if cost.goal_total() < 1.5 {
                        "met"
                    } else {
                        "missed"
                    }
                );
            }
        }
        println!();
    }

    pub fn mix(&self) {
        println!("### The mixed load at {MIXED_RATE:.0} requests/s\n");
        println!("| route | share | req/s | Lambda concurrency | read units/s | write units/s |");
        println!("|---|---|---|---|---|---|");
        let total_share: f64 = MIX.iter().map(|(_, share)| share).sum();
        let mut by_function: HashMap<&'static str, (f64, f64)> = HashMap::new();
        let (mut reads, mut writes, mut concurrency, mut dollars_per_s) = (0.0, 0.0, 0.0, 0.0);
        for (route, share) in MIX {
            let Some(m) = self.find(route) else {
                continue;
            };
            let rate = MIXED_RATE * share / total_share;
            let memory = self.memory(route.function());
            let busy = rate * m.lambda_ms(memory) / 1000.0;
            let units = m.units();
            reads += rate * units.read;
            writes += rate * units.write;
            concurrency += busy;
            dollars_per_s += rate * m.cost(memory).total() / 1e6;
            let entry = by_function.entry(route.function().name()).or_default();
            entry.0 += rate;
            entry.1 += busy;
            println!(
                "| `{}` | {share}% | {rate:.0} | {busy:.0} | {:.0} | {:.0} |",
                route.label(),
                rate * units.read,
                rate * units.write
            );
        }
        println!(
            "| **all** | 100% | {MIXED_RATE:.0} | **{concurrency:.0}** | **{reads:.0}** | **{writes:.0}** |\n"
        );
        println!("| function | req/s | concurrency |");
        println!("|---|---|---|");
        for function in Function::ALL {
            if let Some((rate, busy)) = by_function.get(function.name()) {
                println!("| {} | {rate:.0} | {busy:.0} |", function.name());
            }
        }
        println!(
            "\nAt this mix: ${:.2} per million requests on average, ${:.0} an hour.\n",
            dollars_per_s * 1e6 / MIXED_RATE,
            dollars_per_s * 3600.0
        );
    }
}
