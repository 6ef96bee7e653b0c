-- One row per UTC event date: who was active and how they rated.
WITH activity AS (
  SELECT r.dt, r.user_id, 'rating' AS kind, r.rating
  FROM curated.rating_submitted_v1 AS r
  UNION ALL
  SELECT t.dt, t.user_id, 'tag' AS kind, CAST(NULL AS double) AS rating
  FROM curated.tag_added_v1 AS t
)
SELECT
  a.dt,
  count(DISTINCT a.user_id) AS active_users,
  count(*) FILTER (WHERE a.kind = 'rating') AS ratings,
  count(*) FILTER (WHERE a.kind = 'tag') AS tags,
  avg(a.rating) AS avg_rating
FROM activity AS a
GROUP BY a.dt
