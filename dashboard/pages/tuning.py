from dashboard.page_tuning import render

render()
