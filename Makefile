# Build a static binary, the container image made from it, development
# certificates, and run the local cluster. The image is FROM scratch: it
# holds the binary and nothing else, so nothing is pulled from a registry.

BIN     := bin/node
IMAGE   ?= graphlog:latest
COMPOSE ?= docker-compose

.PHONY: build image certs up down compose-test clean

build:
	CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o $(BIN) ./cmd/node
	mkdir -p bin/empty

image: build
	docker build -t $(IMAGE) .

# TLS material for the compose cluster: one CA, one certificate for the
# three nodes' names. The key is readable by the containers' user.
certs: build
	@if [ ! -f certs/ca.pem ]; then $(BIN) certs --dir certs --hosts node1,node2,node3,localhost,127.0.0.1 --readable-key; fi

up: image certs
	$(COMPOSE) up -d

down:
	$(COMPOSE) down -v

compose-test: image certs
	scripts/compose-test.sh

clean:
	rm -rf bin certs
