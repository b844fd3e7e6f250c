"""Importing the service limits BLAS to one thread per process, before numpy loads."""

import subprocess
import sys


def test_importing_the_package_sets_one_blas_thread_before_numpy():
    code = ("import sys, os; import optimizer_api; assert 'numpy' not in sys.modules; "
            "print(os.environ['OPENBLAS_NUM_THREADS'])")
    env = {"PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "1"
