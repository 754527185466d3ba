# Tactful checking service: `docker build -t tactful . && docker run -p 50051:50051 -p 9090:9090 tactful`
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
# The wheel is built from these: the package (service/), its grammar and shipped packs (symlinked
# into the package and resolved at build time), the API, and the project metadata.
COPY pyproject.toml README.md hatch_build.py ./
COPY grammar/ grammar/
COPY rules/ rules/
COPY proto/ proto/
COPY service/ service/
# A C compiler for the wheel's compiled core (hatch_build.py: mypyc), removed in the same layer
# so the image stays slim; without it the install would still work, in pure Python.
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev \
 && pip install . \
 && apt-get purge -y --auto-remove gcc libc6-dev && rm -rf /var/lib/apt/lists/* /src

RUN useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin tactful
USER tactful
WORKDIR /home/tactful

# Listen on all interfaces inside the container; metrics for Prometheus on 9090. Two malloc arenas per
# process rather than 8 per core: grpc's threads otherwise each keep freed memory in arenas of their own,
# and a reload's compile (~85 MB) is freed across them (the server also trims after each reload).
ENV TACTFUL_HOST=0.0.0.0 \
    TACTFUL_PORT=50051 \
    TACTFUL_METRICS_PORT=9090 \
    TACTFUL_LOG_FORMAT=json \
    MALLOC_ARENA_MAX=2
EXPOSE 50051 9090

HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["python", "-m", "tactful.server.healthcheck", "--target", "127.0.0.1:50051"]

ENTRYPOINT ["tactful", "serve"]
