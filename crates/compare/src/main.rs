//! The `shortlink-compare` command line: options into [`Options`], Ctrl-C
//! into [`interrupt`], the outcome into an exit status. The comparison is
//! the library's.

use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::Parser;
use shortlink_compare::plan::parse_duration;
use shortlink_compare::{compare_runs, interrupt, Backend, Options, Report};

#[derive(Parser, Debug)]
#[command(
    name = "shortlink-compare",
    about = "Load-test every shortlink backend on fresh databases and report how they compare",
    after_help = "Output: OUT/compare-<timestamp>/{report.md,report.html,summary.json,runs/*.json}.\n\
Ctrl-C stops after killing the servers it started, and writes the report of the finished cells.\n\
Exit status: 0 all cells ran without failed requests; 1 failures, a cell failed or interrupted; 2 bad options.\n\
With --agreement RUN_1 RUN_2 (report directories): 0 every median within --tolerance, 1 not."
)]
struct Cli {
    /// Backends to compare, comma-separated; `-buffered` counts hits in
    /// batches (`hits = "buffered"`), the others as shipped (durable).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "memory,sqlite,sqlite-buffered,mysql,mysql-buffered,postgres,postgres-buffered"
    )]
    backends: Vec<String>,
    /// Concurrency levels (goose users), comma-separated [default: 1,8,32,128; --quick: 8].
    #[arg(long, value_delimiter = ',')]
    users: Option<Vec<usize>>,
    /// Repetitions of every cell [default: 3; --quick: 1].
    #[arg(long)]
    reps: Option<usize>,
    /// Measured seconds per cell [default: 10s, so the default 84 cells take about 26 minutes on 2 cores; --quick: 3s].
    #[arg(long)]
    run_time: Option<String>,
    /// Unmeasured warm-up per cell with the same plan [default: 3s; --quick: 1s].
    #[arg(long)]
    warmup: Option<String>,
    /// Links seeded over HTTP into every fresh database [default: 200; --quick: 50].
    #[arg(long)]
    seed_links: Option<usize>,
    /// The shortlink server binary [default: target/release/shortlink].
    #[arg(long)]
    server: Option<PathBuf>,
    /// The Rocket.toml every server runs with, as shipped: pool sizes and
    /// timeouts of each backend's profile; `none` for Rocket's built-in defaults.
    #[arg(long, value_name = "PATH|none", default_value = "Rocket.toml")]
    config: String,
    /// Directory the report directory is created in.
    #[arg(long, default_value = "reports")]
    out: PathBuf,
    /// One level, one repetition, a few seconds per backend (for CI).
    #[arg(long)]
    quick: bool,
    /// An existing MySQL/MariaDB server (admin URL, no database) instead of a
    /// throwaway one; needs --i-own-this-database.
    #[arg(long)]
    mysql_url: Option<String>,
    /// Allows creating and dropping shortlink_compare_* databases on --mysql-url.
    #[arg(long)]
    i_own_this_database: bool,
    /// Measure nothing: rewrite DIR's report.md, report.html and summary.json
    /// from its summary.json with this build's findings and rendering.
    #[arg(long, value_name = "DIR")]
    rerender: Option<PathBuf>,
    /// Measure nothing: compare two finished runs' median req/s per backend
    /// and level; exit 0 only if every one is within --tolerance.
    #[arg(long, num_args = 2, value_names = ["RUN_1", "RUN_2"])]
    agreement: Option<Vec<PathBuf>>,
    /// How far (percent) a median may move between runs for --agreement.
    #[arg(long, default_value_t = 10.0)]
    tolerance: f64,
}

fn main() {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("shortlink-compare: cannot start the async runtime: {e}");
            std::process::exit(2);
        }
    };
    let code = match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("shortlink-compare: {e:#}");
            2
        }
    };
    std::process::exit(code);
}

fn options(cli: Cli) -> anyhow::Result<Options> {
    let duration = |v: Option<String>| {
        v.map(|s| parse_duration(&s))
            .transpose()
            .map_err(anyhow::Error::msg)
    };
    Ok(Options {
        backends: cli
            .backends
            .iter()
            .map(|b| Backend::parse(b))
            .collect::<Result<_, _>>()
            .map_err(anyhow::Error::msg)?,
        users: cli.users,
        reps: cli.reps,
        run_time: duration(cli.run_time)?,
        warmup: duration(cli.warmup)?,
        seed_links: cli.seed_links,
        quick: cli.quick,
        server: cli.server,
        config: (cli.config != "none").then(|| PathBuf::from(cli.config)),
        out: cli.out,
        mysql_url: cli.mysql_url,
    })
}

async fn run(cli: Cli) -> anyhow::Result<i32> {
    if let Some(runs) = &cli.agreement {
        let verdict = compare_runs(&runs[0], &runs[1], cli.tolerance)?;
        print!("{}", verdict.markdown);
        return Ok(if verdict.agree { 0 } else { 1 });
    }
    if let Some(dir) = &cli.rerender {
        Report::rerender(dir)?.write(dir)?;
        eprintln!("shortlink-compare: rewrote the report in {}", dir.display());
        return Ok(0);
    }
    if cli.mysql_url.is_some() && !cli.i_own_this_database {
        bail!("--mysql-url writes to a server this tool did not start: add --i-own-this-database to allow creating and dropping shortlink_compare_* databases there");
    }
    // Ours before goose's: goose then keeps this one (ctrlc allows one
    // handler), and its killswitch is still how a running load test stops.
    ctrlc::set_handler(|| {
        if interrupt() {
            // Second Ctrl-C: leave now. Every child dies with us
            // (PR_SET_PDEATHSIG), so nothing is left running.
            eprintln!("shortlink-compare: second Ctrl-C, exiting now");
            std::process::exit(130);
        }
        eprintln!("shortlink-compare: Ctrl-C, stopping (again to exit at once)");
    })
    .context("install the Ctrl-C handler")?;
    let outcome = shortlink_compare::run(&options(cli)?).await?;
    Ok(if outcome.success() { 0 } else { 1 })
}
