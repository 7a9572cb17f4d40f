"""Plots for the docs, drawn at build time with matplotlib (Agg backend) as SVG.

Only the docs extra installs matplotlib; the ``treaty`` package never imports it.
"""

from __future__ import annotations

import io
from typing import Any

OBLIGATIONS = ("defence", "offence", "neutrality", "non_aggression", "consultation")


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams["svg.hashsalt"] = "treaty-docs"  # stable ids: the same data gives the same file
    matplotlib.rcParams["font.size"] = 9
    import matplotlib.pyplot as plt

    return plt


def _svg(fig: Any) -> bytes:
    out = io.BytesIO()
    fig.savefig(out, format="svg", bbox_inches="tight", metadata={"Date": None})
    _pyplot().close(fig)
    return out.getvalue()


def profile_matrix(corpus: list[tuple[str, Any]]) -> bytes:
    """Agreements (rows) by the five ATOP obligations (columns); a filled cell is an obligation
    the tool found, labelled with the provisions that carry it."""
    plt = _pyplot()
    from matplotlib.colors import ListedColormap

    names = [n for n, _ in corpus]
    cells = [[1 if getattr(a.profile, o) else 0 for o in OBLIGATIONS] for _, a in corpus]
    fig, ax = plt.subplots(figsize=(7.5, 0.42 * len(names) + 1.2))
    ax.imshow(cells, cmap=ListedColormap(["#f2f2f2", "#c0392b"]), vmin=0, vmax=1, aspect="auto")
    for i, (_, a) in enumerate(corpus):
        for j, o in enumerate(OBLIGATIONS):
            if cells[i][j]:
                where = [n.id for n, c in a.clauses() if o in (getattr(c, "obligations", None) or [])]
                label = ", ".join(dict.fromkeys(where))
                ax.text(j, i, label if len(label) <= 16 else label[:15] + "…", ha="center", va="center",
                        color="white", fontsize=7)
    ax.set_xticks(range(len(OBLIGATIONS)), [o.replace("_", "-") for o in OBLIGATIONS])
    ax.set_yticks(range(len(names)), names)
    ax.xaxis.tick_top()
    ax.set_xticks([x - 0.5 for x in range(1, len(OBLIGATIONS))], minor=True)
    ax.set_yticks([y - 0.5 for y in range(1, len(names))], minor=True)
    ax.grid(which="minor", color="white", linewidth=2)
    ax.tick_params(which="both", length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_title("ATOP obligations found in the example texts (cells: provisions carrying them)",
                 fontsize=9, pad=24)
    return _svg(fig)


def similarity_heatmap(names: list[str], matrix: list[list[float]]) -> bytes:
    """The all-pairs textual similarity (Jaccard of character 5-grams) as a heat map."""
    plt = _pyplot()

    n = len(names)
    off = [matrix[i][j] for i in range(n) for j in range(n) if i != j] or [1.0]
    fig, ax = plt.subplots(figsize=(0.62 * n + 3.2, 0.5 * n + 1.2))
    shown = [[matrix[i][j] if i != j else float("nan") for j in range(n)] for i in range(n)]
    image = ax.imshow(shown, cmap="Blues", vmin=0, vmax=max(off) * 1.05)
    for i in range(n):
        for j in range(n):
            if i != j:
                v = matrix[i][j]
                ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=7,
                        color="white" if v > max(off) * 0.6 else "black")
    short = [f"#{i + 1}" for i in range(n)]
    ax.set_xticks(range(n), short)
    ax.set_yticks(range(n), [f"{name}  #{i + 1}" for i, name in enumerate(names)])
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    fig.colorbar(image, ax=ax, fraction=0.04, pad=0.02, label="Jaccard index, character 5-grams")
    ax.set_title("Textual similarity of the example texts (operative provisions)", fontsize=9)
    return _svg(fig)
