"""Side-by-side benchmarks of autograd-lite against micrograd, PyTorch 0-d tensors and
hand-written float backpropagation: ``python -m bench`` (``--quick`` for a short run)."""
