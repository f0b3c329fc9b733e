from dashboard.page_quota import render

render()
