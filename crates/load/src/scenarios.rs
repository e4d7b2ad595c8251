//! The traffic mix: which personas run, with which weights, doing which
//! transactions how often. The counterpart of goose umami's `main.rs`; it
//! only wires (the transactions live in [`crate::personas`]).
//!
//! Shortlink mix, by users: visitors 16, integrators 3, dashboards 1 (goose
//! hands users out round-robin, so 3 users already cover all three).
//! Visitors click without a key (they seed their hot links with the admin
//! key), integrators each work on an author key of their own, dashboards
//! on the admin key. Every
//! user runs without think time: a closed loop that measures capacity;
//! `--throttle-requests` caps the rate for a paced run.

use std::sync::Arc;

use goose::prelude::*;

use crate::config::Mix;
use crate::personas::dashboard::{list_links, read_popular, stats};
use crate::personas::integrator::MIN_CHURN;
use crate::personas::integrator::{clean_up, create_link, delete_link, patch_link, read_link};
use crate::personas::probe::healthz;
use crate::personas::visitor::click;
use crate::personas::{on_start, KeyUse, Seeds};
use crate::session::Shared;

pub fn register(
    attack: GooseAttack,
    mix: Mix,
    shared: &Arc<Shared>,
) -> Result<GooseAttack, GooseError> {
    Ok(match mix {
        Mix::Shortlink => attack
            .register_scenario(
                scenario!("Visitor")
                    .set_weight(16)?
                    .register_transaction(on_start(
                        shared,
                        Seeds {
                            key: KeyUse::Admin,
                            hot: true,
                            churn: 0,
                        },
                    ))
                    .register_transaction(transaction!(click).set_name("click")),
            )
            .register_scenario(
                scenario!("Integrator")
                    .set_weight(3)?
                    .register_transaction(on_start(
                        shared,
                        Seeds {
                            key: KeyUse::OwnAuthor,
                            hot: true,
                            churn: MIN_CHURN,
                        },
                    ))
                    .register_transaction(
                        transaction!(create_link).set_name("create").set_weight(3)?,
                    )
                    .register_transaction(transaction!(read_link).set_name("read").set_weight(3)?)
                    .register_transaction(transaction!(patch_link).set_name("patch").set_weight(2)?)
                    .register_transaction(
                        transaction!(delete_link).set_name("delete").set_weight(3)?,
                    )
                    .register_transaction(
                        transaction!(clean_up).set_name("clean up").set_on_stop(),
                    ),
            )
            .register_scenario(
                scenario!("Dashboard")
                    .set_weight(1)?
                    .register_transaction(on_start(
                        shared,
                        Seeds {
                            key: KeyUse::Admin,
                            hot: true,
                            churn: 0,
                        },
                    ))
                    .register_transaction(transaction!(list_links).set_name("list").set_weight(3)?)
                    .register_transaction(
                        transaction!(read_popular)
                            .set_name("read popular")
                            .set_weight(2)?,
                    )
                    .register_transaction(transaction!(stats).set_name("stats")),
            ),
        Mix::Healthz => attack.register_scenario(
            scenario!("Probe")
                .register_transaction(on_start(
                    shared,
                    Seeds {
                        key: KeyUse::None,
                        hot: false,
                        churn: 0,
                    },
                ))
                .register_transaction(transaction!(healthz).set_name("healthz")),
        ),
    })
}
