"""Packs the app, the question bank and the rubrics into the wheel, under simulator/_bundle/.

The checkout keeps them at the top level (`app.py`, `ui/`, `corpus/`, `rubrics/`); a wheel installed
anywhere else finds them through `simulator.config.packaged`. Editable installs read the checkout.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

BUNDLED = ("app.py", "ui", "corpus", "rubrics")


class BuildWithBundle(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        bundle = Path(self.build_lib) / "simulator" / "_bundle"
        for name in BUNDLED:
            source, target = Path(name), bundle / name
            if source.is_dir():
                shutil.copytree(source, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target)


setup(cmdclass={"build_py": BuildWithBundle})
