# syntax=docker/dockerfile:1
# shortlink: the link shortener as a container image.
#
#   docker build -t shortlink .                      # compile in the build stage, then the runtime image
#   docker build --target load -t shortlink-load .   # the load test (the kit's client), same base
#
# Without a registry (CI here) the runtime stage is built from binaries
# compiled outside, put in docker/prebuilt/ (.ci/containers does this):
#
#   docker build --build-arg BINARIES=prebuilt --target runtime -t shortlink .
#
# BuildKit and buildah build only the stages the target needs, so that build
# never touches the Rust image.

ARG RUST_IMAGE=rust:1.95.0-bookworm
ARG BASE_IMAGE=debian:bookworm-slim
# Where the runtime stages take their binaries from: `build` (compiled below)
# or `prebuilt` (docker/prebuilt/ in the build context).
ARG BINARIES=build

# ---- build: the pinned toolchain (rust-toolchain.toml says 1.95.0) ----------
FROM ${RUST_IMAGE} AS build
# .dockerignore leaves .git out; build.rs stamps this into GET /version instead.
ARG SHORTLINK_GIT_SHA=unknown
ENV SHORTLINK_GIT_SHA=${SHORTLINK_GIT_SHA} \
    CARGO_PROFILE_RELEASE_DEBUG=false \
    CARGO_PROFILE_RELEASE_STRIP=true
WORKDIR /src
COPY . .
# The caches keep the registry and target/ between builds; the binaries are
# copied out of the cache mount so the next stage can see them.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin shortlink -p shortlink-harness -p shortlink-load \
 && mkdir -p /out \
 && cp target/release/shortlink target/release/shortlink-harness target/release/shortlink-load /out/

# ---- prebuilt: binaries compiled outside (scripts/xbuild, glibc 2.31 floor) --
FROM scratch AS prebuilt
COPY docker/prebuilt/ /out/

FROM ${BINARIES} AS binaries

# ---- runtime: the server, nothing else --------------------------------------
FROM ${BASE_IMAGE} AS runtime
# A fixed numeric uid, so volume ownership and runAsNonRoot checks are stable.
# admin-key/: where compose's one-off `admin-key` service (docker/admin-key)
# writes the bootstrap admin key the app reads (ROCKET_ADMIN_KEY_FILE); owned
# by root, so the app can read the key but not replace it.
RUN groupadd --gid 10001 shortlink \
 && useradd --uid 10001 --gid 10001 --no-create-home --no-log-init \
        --home-dir /var/lib/shortlink --shell /usr/sbin/nologin shortlink \
 && install -d -o shortlink -g shortlink -m 0750 /var/lib/shortlink /var/lib/shortlink/data \
 && install -d -o root -g shortlink -m 0750 /var/lib/shortlink/admin-key
COPY --from=binaries /out/shortlink /usr/local/bin/shortlink
COPY docker/healthcheck /usr/local/bin/shortlink-healthcheck
COPY docker/admin-key /usr/local/bin/shortlink-admin-key
COPY Rocket.toml /etc/shortlink/Rocket.toml
# The profile picks the backend: sqlite (default, ./data/shortlink.db under
# the working directory, i.e. the volume), mysql (set ROCKET_DATABASES) or memory.
ENV ROCKET_CONFIG=/etc/shortlink/Rocket.toml \
    ROCKET_PROFILE=sqlite \
    ROCKET_ADDRESS=0.0.0.0 \
    ROCKET_PORT=8000
WORKDIR /var/lib/shortlink
VOLUME ["/var/lib/shortlink/data"]
USER 10001:10001
EXPOSE 8000
# Rocket drains on SIGTERM: shutdown.grace (10 s) then mercy (5 s); give the
# container a stop timeout above 15 s (compose: stop_grace_period: 20s).
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD ["/usr/local/bin/shortlink-healthcheck", "/healthz"]
ENTRYPOINT ["/usr/local/bin/shortlink"]

# ---- load: the load test client (and the endpoint harness) ------------------
FROM ${BASE_IMAGE} AS load
COPY --from=binaries /out/shortlink-load /out/shortlink-harness /usr/local/bin/
USER 65534:65534
ENTRYPOINT ["/usr/local/bin/shortlink-load"]
CMD ["--help"]
