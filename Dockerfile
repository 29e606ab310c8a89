# The image for docker-compose.yml's web, worker, beat and migrate services.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/app/.venv/bin:$PATH \
    DATA_DIR=/app/data

WORKDIR /app

# Dependencies first, from pyproject.toml's pins (read by dev.py), so code changes reuse the layer.
COPY pyproject.toml dev.py ./
RUN python -m venv .venv \
    && python -c "import dev; print('\n'.join(dev.requirements({'main'})))" > /tmp/requirements.txt \
    && pip install --no-cache-dir --disable-pip-version-check -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY . .
RUN useradd --create-home --uid 1000 helpdesk \
    && mkdir -p "$DATA_DIR" \
    && chown helpdesk "$DATA_DIR"
USER helpdesk

EXPOSE 8000
CMD ["gunicorn", "helpdesk.wsgi", "--bind", "0.0.0.0:8000"]
