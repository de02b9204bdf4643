# glueprint in a container (KubernetesPodOperator, ECS tasks): a static musl binary on a
# minimal base, run as a non-root user.
#   docker build -t glueprint .
#   docker run --rm -v "$PWD:/work" -w /work -e AWS_REGION glueprint plan --catalog glue
FROM rust:1.95-alpine AS build
# musl-dev for the C parts (SQLite, the TLS library's crypto); the result is fully static.
RUN apk add --no-cache musl-dev make perl
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
RUN cargo build --release --locked --bin glueprint \
    && strip target/release/glueprint

# distroless/static: CA certificates and a `nonroot` user (65532), no shell, no package manager.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /src/target/release/glueprint /usr/local/bin/glueprint
USER nonroot
WORKDIR /work
ENTRYPOINT ["/usr/local/bin/glueprint"]
CMD ["--help"]
