"""process-sandbox: watch Linux process lifecycles happen for real in throwaway containers.

The host-side controller. It brings up a Docker engine and the sandbox image, runs each
scenario in a fresh, network-less container under a chosen PID 1 (`noreap` or `tini`),
captures the process table at the moments the scenario defines, and checks what the
tutorial claims against what the kernel did.
"""

__version__ = "0.1.0"
