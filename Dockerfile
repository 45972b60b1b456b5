# faqbot: the Discord FAQ bot. Build: docker build -t faqbot .
# Run:   docker run -e DISCORD_TOKEN=... -v faqbot-data:/data faqbot
# With a sentence encoder baked in (hybrid matching; needs the network at build time):
#        docker build --build-arg FAQBOT_MODEL=all-MiniLM-L6-v2 -t faqbot .

# Base image. Pin it by digest, so that every build starts from the same bytes: write the line
# below as `FROM python:3.11-slim@sha256:<digest>`, the digest being the "Digest:" line of
#     docker buildx imagetools inspect python:3.11-slim
# run on a machine that reaches Docker Hub (or `docker pull python:3.11-slim` and then
# `docker image inspect --format '{{index .RepoDigests 0}}' python:3.11-slim`). Repeat to update,
# e.g. monthly for Debian's security fixes. NOT YET PINNED: this line was last edited where Docker
# Hub could not be reached, so no digest could be looked up, and none is written from memory.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

WORKDIR /app

# Dependencies in their own layer, from the lock file alone: exact versions, each file checked
# against its hash, nothing unlisted (--no-deps). The layer is rebuilt only when
# requirements.lock changes, not on an edit of the code or of pyproject.toml. Regenerate the lock
# with the command at its top after changing pyproject.toml's dependencies.
COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes --no-deps -r requirements.lock

# Optional: a sentence-encoder model for hybrid matching, anything `faqbot models fetch` takes
# (a known NAME such as all-MiniLM-L6-v2, or the http(s) URL of a model archive). Empty, the
# default: no model, no encoder packages, lexical matching only. Declared after the layer above,
# so that changing it does not reinstall the dependencies.
ARG FAQBOT_MODEL=""
# The encoder's packages (onnxruntime, tokenizers, numpy), only with a model: exact versions
# and hashes again, from requirements-semantic.lock (the command at its top regenerates it).
COPY requirements-semantic.lock ./
RUN if [ -n "$FAQBOT_MODEL" ]; then \
        pip install --no-cache-dir --require-hashes --no-deps -r requirements-semantic.lock; \
    fi

# The application itself (its dependencies are already installed). bot/shipped_knowledge links
# to knowledge/, so the package gets its own copy of the shipped knowledge. Mount your own folder
# over /app/knowledge to replace it (FAQBOT_KNOWLEDGE__PATHS below points there).
COPY pyproject.toml README.md LICENSE ./
COPY knowledge ./knowledge
COPY bot ./bot
COPY cogs ./cogs
RUN pip install --no-cache-dir --no-deps . \
    && rm -rf build ./*.egg-info

# The model goes to /app/models/encoder, inside the image and read-only: not under /data,
# where the volume would hide it. `models fetch` installs beside the database it is given and
# loads the model once, so a download that cannot run fails the build.
RUN if [ -n "$FAQBOT_MODEL" ]; then \
        FAQBOT_STORAGE__DATABASE="$PWD/models.sqlite3" \
            faqbot models fetch --name encoder "$FAQBOT_MODEL" \
        && chmod -R a+rX models; \
    fi

# A non-root user that owns only /data, where the database lives.
RUN useradd --system --uid 10001 --user-group --home-dir /data --no-create-home \
        --shell /usr/sbin/nologin faqbot \
    && mkdir -p /data \
    && chown faqbot:faqbot /data

# matcher.semantic.model: the baked-in model, or empty (none: lexical) without FAQBOT_MODEL.
# FAQBOT_DATA_DIR: the data folder, so the default database is /data/faqbot.sqlite3 and the
# heartbeat and console history go to /data. It sets no storage key, so a service that sets
# FAQBOT_STORAGE__URL (PostgreSQL) is not refused as having set both; its heartbeat is in /data.
ENV FAQBOT_KNOWLEDGE__PATHS=/app/knowledge \
    FAQBOT_DATA_DIR=/data \
    FAQBOT_MATCHER__SEMANTIC__MODEL=${FAQBOT_MODEL:+/app/models/encoder}
VOLUME ["/data"]
USER 10001:10001

# `faqbot run` rewrites /data/faqbot.heartbeat while connected to the gateway; the check fails
# when it is missing or older than 60 s. No port is opened.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 CMD ["faqbot", "health"]

# SIGTERM: stop taking events, finish in-flight work, close the database, exit 0 within 10 s.
STOPSIGNAL SIGTERM
ENTRYPOINT ["faqbot"]
CMD ["run"]
