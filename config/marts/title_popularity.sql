-- One row per movie with at least one rating, with catalog metadata.
WITH rated AS (
  SELECT
    r.movie_id,
    count(*) AS ratings,
    avg(r.rating) AS avg_rating,
    min(r.event_time) AS first_rated_at,
    max(r.event_time) AS last_rated_at
  FROM curated.rating_submitted_v1 AS r
  GROUP BY r.movie_id
),
tagged AS (
  SELECT t.movie_id, count(*) AS tags
  FROM curated.tag_added_v1 AS t
  GROUP BY t.movie_id
),
catalog AS (
  -- Vendor ids are strings; a re-delivered file must not duplicate a movie.
  SELECT try_cast(m.movie_id AS integer) AS movie_id, min(m.title) AS title, min(m.genres) AS genres
  FROM raw.content_catalog_movies AS m
  GROUP BY try_cast(m.movie_id AS integer)
)
SELECT
  rated.movie_id,
  catalog.title,
  split(catalog.genres, '|') AS genres,
  rated.ratings,
  rated.avg_rating,
  coalesce(tagged.tags, 0) AS tags,
  rated.first_rated_at,
  rated.last_rated_at
FROM rated
LEFT JOIN catalog ON catalog.movie_id = rated.movie_id
LEFT JOIN tagged ON tagged.movie_id = rated.movie_id
