//! Writes a synthetic CleverTap-like lake: the sample lake and the benchmarks' lakes.
//!
//! cargo run --example synth_lake -- OUT_DIR [EVENTS DAYS]
//! Without EVENTS and DAYS it writes the committed sample lake.

use std::process::ExitCode;

use glueprint::synth::{LakeSpec, write_lake};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let spec = match args.as_slice() {
        [_] => LakeSpec::default(),
        [_, events, days] => match (events.parse(), days.parse()) {
            (Ok(events), Ok(days)) => LakeSpec::numbered(events, days),
            _ => return usage("EVENTS and DAYS must be whole numbers"),
        },
        _ => return usage("wrong number of arguments"),
    };
    let out = std::path::Path::new(&args[0]);
    match write_lake(out, &spec) {
        Ok(files) => {
            println!("wrote {files} files under {}", out.display());
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!(
                "error: cannot write the lake under {}: {error}",
                out.display()
            );
            ExitCode::FAILURE
        }
    }
}

fn usage(problem: &str) -> ExitCode {
    eprintln!("error: {problem}\nusage: synth_lake OUT_DIR [EVENTS DAYS]");
    ExitCode::from(2)
}
