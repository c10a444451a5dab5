"""Stage 6, running it all: the build steps, the batch of notebooks, publishing, warm kernels, settings."""
