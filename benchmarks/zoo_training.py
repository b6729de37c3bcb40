"""Zoo training throughput (images/s) of the paper CNN, its lite and 512-unit variants.

    python benchmarks/zoo_training.py [--device auto] [--images 8000] [--epochs 1]

Trains in a temporary zoo (nothing is kept) and reports the rate the zoo itself measured.
"""
import argparse, os, tempfile, time
import torch
from neuralrank.zoo import ModelZoo, ModelSpec


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--device', default='auto')
    ap.add_argument('--images', type=int, default=8000)
    ap.add_argument('--epochs', type=int, default=1)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        zoo = ModelZoo(d, device=a.device, eval_limit=500, progress=False)
        print(f"# zoo training, {a.images} Fashion images x {a.epochs} epoch(s), batch 100, Adam; device {zoo.device}, {os.cpu_count()} cpus, torch {torch.__version__}")
        print("| model | images/s | seconds |\n|---|---|---|")
        for arch, width in (('cnn', 1024), ('lite', 1024), ('cnn', 512)):
            spec = ModelSpec('fashion', arch=arch, width=width, train_size=a.images, epochs=a.epochs)
            zoo.get(spec); m = zoo.meta(spec.key)
            print(f"| {spec.label} | {m['images_per_second']:,.0f} | {m['train_seconds']:.1f} |", flush=True)


if __name__ == '__main__': main()
