from dashboard.page_pathways import render

render()
