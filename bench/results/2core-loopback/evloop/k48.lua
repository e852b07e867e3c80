local i = 0
request = function()
  i = (i + 7) % 1000
  return wrk.format("GET", "/k48/" .. i .. ".ts")
end
