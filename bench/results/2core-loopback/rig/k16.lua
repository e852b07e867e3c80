local i = 0
request = function()
  i = (i + 7) % 2000
  return wrk.format("GET", "/k16/" .. i .. ".ts")
end
