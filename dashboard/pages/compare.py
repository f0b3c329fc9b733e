from dashboard.page_compare import render

render()
