-- kind: observation
-- proves: reports the window's overall conversion rates (view to cart, cart to purchase, view to
--   purchase) and how many of them, and of the products, show a rate above 1
--
-- An observation, not an invariant: the starter draws every event type independently, so a
-- product (or, on a small sample, the whole window) can show more purchases than add-to-carts
-- without anything being wrong. `failures` counts the overall rates outside [0, 1].
WITH p AS (
  SELECT
    product_id, category,
    CAST(SUM(views) AS DOUBLE) AS views, CAST(SUM(add_to_carts) AS DOUBLE) AS carts, CAST(SUM(purchases) AS DOUBLE) AS purchases
  FROM {{gold.product_funnel}} WHERE {{window.event_dates}}
  GROUP BY product_id, category
),
t AS (
  SELECT
    SUM(views) AS views, SUM(carts) AS carts, SUM(purchases) AS purchases,
    SUM(CASE WHEN carts > views OR purchases > carts THEN 1 ELSE 0 END) AS products_above_one
  FROM p
),
r AS (
  SELECT
    carts / NULLIF(views, 0) AS view_to_cart,
    purchases / NULLIF(carts, 0) AS cart_to_purchase,
    purchases / NULLIF(views, 0) AS view_to_purchase,
    products_above_one,
    views, carts, purchases
  FROM t
)
SELECT
  CAST((CASE WHEN view_to_cart NOT BETWEEN 0 AND 1 THEN 1 ELSE 0 END)
    + (CASE WHEN cart_to_purchase NOT BETWEEN 0 AND 1 THEN 1 ELSE 0 END)
    + (CASE WHEN view_to_purchase NOT BETWEEN 0 AND 1 THEN 1 ELSE 0 END) AS BIGINT) AS failures,
  CAST(COALESCE(views + carts + purchases, 0) AS BIGINT) AS rows_checked,
  'view_to_cart=' || COALESCE(CAST(CAST(view_to_cart AS DECIMAL(18, 4)) AS VARCHAR(64)), 'n/a')
    || ' cart_to_purchase=' || COALESCE(CAST(CAST(cart_to_purchase AS DECIMAL(18, 4)) AS VARCHAR(64)), 'n/a')
    || ' view_to_purchase=' || COALESCE(CAST(CAST(view_to_purchase AS DECIMAL(18, 4)) AS VARCHAR(64)), 'n/a')
    || ' products with a rate above 1: ' || CAST(CAST(COALESCE(products_above_one, 0) AS BIGINT) AS VARCHAR(64)) AS observed
FROM r
