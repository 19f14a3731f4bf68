"""Builds the jvi wheel: the Python layer in jvi/ and libjvi.so, jvi's C interface.

libjvi.so is built from the Swift sources of the repository this folder sits in, with
scripts/build-libjvi.sh (which needs the Swift toolchain), unless JVI_PREBUILT_LIBRARY names
a libjvi.so already built. The Swift runtime is linked into the library, so the wheel runs
without a toolchain. Its tag is py3-none-<platform>: one wheel for every Python 3 version (the
library is loaded with ctypes, not built against the interpreter).
"""
import os
import pathlib
import shutil
import subprocess
import sysconfig

from setuptools import Distribution, setup
from setuptools.command.build_py import build_py

try:
    from setuptools.command.bdist_wheel import bdist_wheel
except ImportError:  # setuptools < 70.1
    from wheel.bdist_wheel import bdist_wheel

HERE = pathlib.Path(__file__).resolve().parent
REPOSITORY = HERE.parent


class BuildWithLibrary(build_py):
    """Copies the Python files, then puts libjvi.so and jvi.h in jvi/lib/."""

    def run(self):
        super().run()
        target = (pathlib.Path(self.build_lib) / "jvi" / "lib").resolve()
        target.mkdir(parents=True, exist_ok=True)
        prebuilt = os.environ.get("JVI_PREBUILT_LIBRARY")
        if prebuilt:
            shutil.copy(prebuilt, target / "libjvi.so")
            shutil.copy(pathlib.Path(prebuilt).with_name("jvi.h"), target / "jvi.h")
            return
        script = REPOSITORY / "scripts" / "build-libjvi.sh"
        if not script.exists():
            raise RuntimeError(
                "building jvi needs the jvi repository (scripts/build-libjvi.sh next to python/) and the "
                "Swift toolchain; install the wheel (make wheel) where there is no toolchain")
        subprocess.run([str(script), str(target)], check=True)


class PlatformWheel(bdist_wheel):
    """py3-none-<platform>: the package holds a native library but no extension module."""

    def finalize_options(self):
        super().finalize_options()
        self.root_is_pure = False

    def get_tag(self):
        return "py3", "none", sysconfig.get_platform().replace("-", "_").replace(".", "_")


class BinaryDistribution(Distribution):
    """A distribution with a native library: its files install into platlib."""

    def has_ext_modules(self):
        return True


setup(distclass=BinaryDistribution, cmdclass={"build_py": BuildWithLibrary, "bdist_wheel": PlatformWheel})
