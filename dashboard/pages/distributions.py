from dashboard.page_distributions import render

render()
