from dashboard.page_overview import render

render()
