//! `glueprint fmt`: the declarations in canonical form.

use std::process::ExitCode;

use super::args::CatalogsArg;
use super::output::found;
use crate::declare;

#[derive(Debug, clap::Args)]
pub struct FmtArgs {
    /// Write nothing; exit 2 when a file is not in canonical form.
    #[arg(long)]
    check: bool,
    #[command(flatten)]
    declared: CatalogsArg,
}

pub fn run(args: FmtArgs) -> anyhow::Result<ExitCode> {
    let unformatted = declare::format(&args.declared.catalogs, args.check)?;
    let verb = if args.check {
        "not canonical:"
    } else {
        "formatted"
    };
    for path in &unformatted {
        outln!("{verb} {}", path.display());
    }
    if args.check && !unformatted.is_empty() {
        outln!("run `glueprint fmt` to rewrite them");
    }
    Ok(found(args.check && !unformatted.is_empty()))
}
