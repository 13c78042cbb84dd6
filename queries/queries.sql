-- The 5 deliverable queries, Athena engine v3 (Trino) dialect; the local engine runs them on
-- DuckDB unchanged. They read gold only; table names are unqualified (Athena runs them with
-- database gold_<id>). Each query is preceded by one comment line: `-- <n>. <name>: <question>`.
-- Rates are fractions 0..1 with 4 decimals: DECIMAL arithmetic, NULLIF-guarded. Sums of counts are
-- cast to BIGINT: Trino sums BIGINT to BIGINT, DuckDB to HUGEINT.

-- 1. conversion_funnel: For each product, what fraction of views lead to an add-to-cart, of add-to-carts to a purchase, and of views to a purchase?
SELECT
  product_id,
  category,
  CAST(SUM(views) AS BIGINT) AS views,
  CAST(SUM(add_to_carts) AS BIGINT) AS add_to_carts,
  CAST(SUM(purchases) AS BIGINT) AS purchases,
  CAST(ROUND(CAST(SUM(add_to_carts) AS DECIMAL(20, 8)) / NULLIF(SUM(views), 0), 4) AS DECIMAL(10, 4)) AS view_to_cart_rate,
  CAST(ROUND(CAST(SUM(purchases) AS DECIMAL(20, 8)) / NULLIF(SUM(add_to_carts), 0), 4) AS DECIMAL(10, 4)) AS cart_to_purchase_rate,
  CAST(ROUND(CAST(SUM(purchases) AS DECIMAL(20, 8)) / NULLIF(SUM(views), 0), 4) AS DECIMAL(10, 4)) AS view_to_purchase_rate
FROM product_funnel
GROUP BY product_id, category
ORDER BY product_id, category;

-- 2. hourly_revenue: How much revenue, how many purchases and units were sold in each hour of each day (UTC)?
SELECT
  event_date,
  event_hour,
  CAST(revenue AS DECIMAL(18, 2)) AS revenue,
  purchases,
  units
FROM hourly_revenue
ORDER BY event_date, event_hour;

-- 3. top_viewed_products: Which 10 products were viewed the most?
SELECT
  product_id,
  category,
  CAST(SUM(views) AS BIGINT) AS views
FROM product_views
GROUP BY product_id, category
ORDER BY views DESC, product_id
LIMIT 10;

-- 4. category_performance: How many events of each type did each category get per day?
SELECT
  event_date,
  category,
  events,
  page_views,
  add_to_carts,
  remove_from_carts,
  purchases,
  searches
FROM category_daily
ORDER BY event_date, category;

-- 5. user_activity: How many distinct users and sessions, and how many events, were there per day?
SELECT
  event_date,
  unique_users,
  unique_sessions,
  events
FROM user_activity
ORDER BY event_date;
