# The graphlog node: a static binary on an empty image. Build it with
# `make image`, which compiles bin/node first (CGO_ENABLED=0).
FROM scratch
COPY bin/node /node
# The data directory, owned by the user the node runs as; a named volume
# mounted here starts with this ownership.
COPY --chown=65532:65532 bin/empty/ /data/
USER 65532:65532
# HTTP API, NATS clients, NATS routes, actor remote.
EXPOSE 8080 4222 6222 7000
VOLUME ["/data"]
ENTRYPOINT ["/node"]
CMD ["--data-dir", "/data", "--http-addr", ":8080"]
