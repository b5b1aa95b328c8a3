"""Plotly's own interface in the page's language, offline.

plotly.js translates its modebar and messages through a locale passed in the chart's config
(`locales`), so nothing is fetched: the Chinese strings are ours, written for the buttons the
dashboard keeps. The modebar is trimmed to those buttons (zoom in and out, reset, save as PNG),
so no untranslated button is left; Streamlit's own "Fullscreen" button, which no locale reaches,
is hidden by govdash.app.chrome.STYLE.
"""

from __future__ import annotations

ZH_CN = {
    "Zoom in": "放大",
    "Zoom out": "缩小",
    "Reset axes": "还原坐标轴",
    "Reset view": "还原视图",
    "Autoscale": "自动缩放",
    "Download plot as a PNG": "下载为PNG图片",
    "Download plot": "下载图片",
    "Taking snapshot - this may take a few seconds": "正在生成图片，请稍候",
    "Snapshot succeeded": "图片已生成",
    "Sorry, there was a problem downloading your snapshot!": "抱歉，下载图片时出错",
    "Double-click to zoom back out": "双击还原",
    "Double-click on legend to isolate one trace": "双击图例只看这一项",
    "Click to enter Colorscale title": "点击输入色阶标题",
    "Click to enter Plot title": "点击输入图表标题",
    "Box Select": "框选",
    "Lasso Select": "套索选择",
    "Zoom": "缩放",
    "Pan": "平移",
    "Show closest data on hover": "悬停显示最近的数据",
    "Compare data on hover": "悬停比较数据",
    "Toggle Spike Lines": "显示或隐藏参考线",
    "Reset camera to default": "还原视角",
    "Orbital rotation": "环绕旋转",
    "Turntable rotation": "转盘旋转",
    "Produced with Plotly.js": "由Plotly.js生成",
    "trace": "数据系列",
    "new text": "新文本",
}

# The buttons kept: zoom in, zoom out, reset and save; the rest are removed.
REMOVED = [
    "zoom2d",
    "pan2d",
    "autoScale2d",
    "toggleSpikelines",
    "hoverClosestCartesian",
    "hoverCompareCartesian",
    "hoverClosestGeo",
    "pan",
    "lasso2d",
    "select2d",
]


def config(lang: str) -> dict:
    """The st.plotly_chart config for a language: no logo, trimmed modebar, translated UI."""
    out: dict = {"displaylogo": False, "modeBarButtonsToRemove": list(REMOVED)}
    if lang == "zh":
        out |= {
            "locale": "zh-CN",
            "locales": {
                "zh-CN": {
                    "dictionary": ZH_CN,
                    "format": {"decimal": ".", "thousands": ",", "grouping": [3]},
                }
            },
        }
    return out
