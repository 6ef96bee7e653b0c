-- One row per genre; a movie counts once per genre; "(no genres listed)" is a genre.
WITH catalog AS (
  SELECT try_cast(m.movie_id AS integer) AS movie_id, min(m.genres) AS genres
  FROM raw.content_catalog_movies AS m
  GROUP BY try_cast(m.movie_id AS integer)
),
movie_genres AS (
  SELECT DISTINCT c.movie_id, g.genre
  FROM catalog AS c
  CROSS JOIN UNNEST(split(c.genres, '|')) AS g (genre)
)
SELECT
  mg.genre,
  count(*) AS ratings,
  avg(r.rating) AS avg_rating,
  count(DISTINCT r.user_id) AS users
FROM curated.rating_submitted_v1 AS r
JOIN movie_genres AS mg ON mg.movie_id = r.movie_id
GROUP BY mg.genre
