# The image for docker-compose.yml's web, worker, beat and migrate services.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PATH=/app/.venv/bin:$PATH \
    DATA_DIR=/app/data

WORKDIR /app

# Dependencies first, so that a code change reuses this layer: .venv with pyproject.toml's pins,
# installed by the same code as `python3 dev.py run`.
COPY pyproject.toml dev.py ./
RUN python -c "import dev; dev.ensure_venv({'main'})"

COPY . .
RUN useradd --create-home --uid 1000 helpdesk \
    && mkdir -p "$DATA_DIR" \
    && chown helpdesk "$DATA_DIR"
USER helpdesk

EXPOSE 8000
CMD ["gunicorn", "helpdesk.wsgi", "--bind", "0.0.0.0:8000"]
