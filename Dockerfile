# offboard in a container: the binary plus ssh-keygen (for auditors' `ssh-keygen -Y verify`) and
# git, on a small Debian runtime, running as an unprivileged user.
#   docker build -t offboard .
#   docker run --rm -v "$PWD:/work" offboard validate
# The playbook repository is mounted at /work, the working directory.
FROM rust:1-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin offboard

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates openssh-client git \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 offboard
COPY --from=build /src/target/release/offboard /usr/local/bin/offboard
USER offboard
WORKDIR /work
ENTRYPOINT ["offboard"]
CMD ["--help"]
