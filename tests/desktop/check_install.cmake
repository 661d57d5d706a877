# cmake -DBUILD_DIR=... -DPREFIX=... -P check_install.cmake: installs the build into a fresh
# prefix and checks that every file a desktop and a shell look for is there, and that the
# installed CLI runs.
file(REMOVE_RECURSE "${PREFIX}")
execute_process(COMMAND ${CMAKE_COMMAND} --install "${BUILD_DIR}" --prefix "${PREFIX}"
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cmake --install failed (exit ${rc}):\n${out}${err}")
endif()
set(id org.irl4rec.Workbench)
set(expected
  bin/irl4rec
  bin/irl4rec-workbench
  share/applications/${id}.desktop
  share/metainfo/${id}.metainfo.xml
  share/icons/hicolor/scalable/apps/${id}.svg
  share/man/man1/irl4rec.1
  share/irl4rec/datasets/synthetic/iid.txt)
foreach(size 16 24 32 48 64 128 256)
  list(APPEND expected share/icons/hicolor/${size}x${size}/apps/${id}.png)
endforeach()
foreach(f IN LISTS expected)
  if(NOT EXISTS "${PREFIX}/${f}")
    message(FATAL_ERROR "not installed: ${PREFIX}/${f}")
  endif()
endforeach()
execute_process(COMMAND "${PREFIX}/bin/irl4rec" --version RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT out MATCHES "^irl4rec ")
  message(FATAL_ERROR "the installed irl4rec --version failed (exit ${rc}):\n${out}${err}")
endif()
message("installed into ${PREFIX}:\n${out}")
