local i = 0
request = function()
  i = (i + 1) % 64
  return wrk.format("GET", "/d2m/" .. i .. ".ts")
end
