-- kind: data
-- proves: per event day of the window, gold.product_views views equal the silver page_view count
-- template: gold_matches_silver
-- @silver
SELECT event_date, COUNT(*) AS views
FROM {{silver.events}} WHERE {{window.event_dates}} AND event_type = 'page_view'
GROUP BY event_date
-- @gold
SELECT event_date, SUM(views) AS views
FROM {{gold.product_views}} WHERE {{window.event_dates}}
GROUP BY event_date
