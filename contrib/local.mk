# contrib/: job files that start N copies of `thumper --shard env` on a
# cluster scheduler: a Slurm job array (slurm/thumper-array.sbatch) and a
# Kubernetes Indexed Job (kubernetes/thumper-indexed-job.yaml); README
# "Many machines: Slurm and Kubernetes".
#
# They are templates that a user copies and edits (the image, the volume
# claim, N, the #SBATCH defaults), not files any program reads, so they
# install where Debian keeps examples, $(docdir)/examples (Debian policy
# 12.6), as plain files: sbatch reads its script and needs no execute bit.
# tests/integration/contrib_slurm.sh and contrib_kubernetes.sh check them
# without a cluster, tests/slurm/run.sh (make check-slurm) under a real
# Slurm.
contrib_slurmdir = $(docdir)/examples/slurm
dist_contrib_slurm_DATA = %D%/slurm/thumper-array.sbatch
contrib_kubernetesdir = $(docdir)/examples/kubernetes
dist_contrib_kubernetes_DATA = %D%/kubernetes/thumper-indexed-job.yaml
