# Builds the six AdPilot images (one Dockerfile per service, deploy/docker/<service>.Dockerfile)
# with their shared stages from base.Dockerfile. Run from the REPOSITORY ROOT (the build context):
#
#   docker buildx bake -f deploy/docker/docker-bake.hcl --load            # all six, into the local engine
#   docker buildx bake -f deploy/docker/docker-bake.hcl auth --load       # one service
#   REGISTRY=registry.example.com/adpilot TAG=0.1.0 \
#     docker buildx bake -f deploy/docker/docker-bake.hcl --push          # release
#   docker buildx bake -f deploy/docker/docker-bake.hcl --print           # show the resolved build plan
#
# Images: ${REGISTRY}/<service>:${TAG}, e.g. adpilot/auth:latest (the names docker-compose.yml and the
# Kubernetes overlays use). `python-build` and `python-runtime` are built once and shared by all six
# through named contexts (`contexts = { ... = "target:..." }`).

variable "REGISTRY" {
  default = "adpilot"
}

variable "TAG" {
  default = "latest"
}

variable "PYTHON_IMAGE" {
  default = "python:3.11-slim-bookworm"
}

group "default" {
  targets = ["auth", "connectors", "ai-copy", "metrics", "notify", "gateway"]
}

target "_repo" {
  context = "."
  args = {
    PYTHON_IMAGE = PYTHON_IMAGE
  }
}

target "python-build" {
  inherits   = ["_repo"]
  dockerfile = "deploy/docker/base.Dockerfile"
  target     = "python-build"
}

target "python-runtime" {
  inherits   = ["_repo"]
  dockerfile = "deploy/docker/base.Dockerfile"
  target     = "python-runtime"
}

target "_service" {
  inherits = ["_repo"]
  contexts = {
    python-build   = "target:python-build"
    python-runtime = "target:python-runtime"
  }
}

target "auth" {
  inherits   = ["_service"]
  dockerfile = "deploy/docker/auth.Dockerfile"
  tags       = ["${REGISTRY}/auth:${TAG}"]
}

target "connectors" {
  inherits   = ["_service"]
  dockerfile = "deploy/docker/connectors.Dockerfile"
  tags       = ["${REGISTRY}/connectors:${TAG}"]
}

target "ai-copy" {
  inherits   = ["_service"]
  dockerfile = "deploy/docker/ai-copy.Dockerfile"
  tags       = ["${REGISTRY}/ai-copy:${TAG}"]
}

target "metrics" {
  inherits   = ["_service"]
  dockerfile = "deploy/docker/metrics.Dockerfile"
  tags       = ["${REGISTRY}/metrics:${TAG}"]
}

target "notify" {
  inherits   = ["_service"]
  dockerfile = "deploy/docker/notify.Dockerfile"
  tags       = ["${REGISTRY}/notify:${TAG}"]
}

target "gateway" {
  inherits   = ["_service"]
  dockerfile = "deploy/docker/gateway.Dockerfile"
  tags       = ["${REGISTRY}/gateway:${TAG}"]
}
