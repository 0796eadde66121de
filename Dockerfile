# A small image holding only the static pvelint binary, run as an unprivileged user in the
# mounted repository:
#   docker build --build-arg PVELINT_GIT_COMMIT=$(git rev-parse --short=12 HEAD) -t pvelint .
#   docker run --rm -v "$PWD:/repo:ro" pvelint check .
# (docs/user-guide.md, "Container image"; tests/ship.rs checks this recipe.)

FROM rust:1-bookworm AS build
ARG PVELINT_GIT_COMMIT=unknown
ENV PVELINT_GIT_COMMIT=${PVELINT_GIT_COMMIT}
WORKDIR /src
COPY . .
RUN RUSTFLAGS="-C target-feature=+crt-static" cargo build --release --locked -p pvelint \
        --target x86_64-unknown-linux-gnu \
    && cp target/x86_64-unknown-linux-gnu/release/pvelint /pvelint \
    && /pvelint --version

FROM scratch
COPY --from=build /pvelint /usr/local/bin/pvelint
USER 65534:65534
WORKDIR /repo
ENTRYPOINT ["/usr/local/bin/pvelint"]
CMD ["check", "."]
